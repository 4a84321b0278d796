@spec
Feature: Killing and relaunching the app, and reinstalling it
  The operating system kills the app or the person reinstalls it. A signed-in person
  stays signed in across a relaunch; a reinstall starts from nothing.

  @low
  Scenario Outline: A signed-in person is still signed in after a relaunch
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the app is killed and relaunched
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the SDK holds the identity of "ann"
    And the conversation is routed to the "authenticated" path
    And the "order_history" procedure is allowed
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |

  @high
  Scenario Outline: A signed-out person stays anonymous after a relaunch
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person logs out
    And the app is killed and relaunched
    And the person starts a conversation
    Then the SDK holds no identity
    And the conversation is routed to the "anonymous" path
    And the harness reports no "residual_identity" finding
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @high
  Scenario Outline: A reinstalled app no longer speaks for the previous person
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the app is reinstalled
    And the person opens the app without logging in
    And the person starts a conversation
    Then the SDK holds no identity
    And the conversation is routed to the "anonymous" path
    And the Messenger shows no earlier conversations
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
