@readiness
Feature: The app is killed, relaunched or reinstalled
  Phones kill apps in the background, and people reinstall them. Coming back must
  not change who the workspace thinks is talking: a signed-in customer stays
  themselves, a signed-out device stays a stranger's.

  @low
  Scenario Outline: A logged-in customer's app is killed, and they come back to ask about an order
    Given a registered user "ann"
    When "ann" logs in
    And the app is killed and relaunched
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @high
  Scenario Outline: A logged-out device is killed and relaunched, then someone asks for help
    Given a registered user "ann"
    When "ann" logs in
    And the person logs out
    And the app is killed and relaunched
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @high
  Scenario Outline: A customer reinstalls the app and asks for help before logging in again
    Given a registered user "ann"
    When "ann" logs in
    And the app is reinstalled
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
