@spec
Feature: Logging out
  A signed-in person signs out. A careful app writes the logged-out status, resets the
  Messenger and clears its caches; an app that skips the reset leaves the person's
  identity behind for whoever writes in next on the device.

  @low
  Scenario Outline: After a full logout the next conversation is anonymous
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "anonymous" path
    And the "order_history" procedure is blocked because "session_not_live"
    And the SDK holds no identity
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @low
  Scenario Outline: A full logout marks the old contact logged out and hides the old conversations
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    Then "ann"'s contact's "login_status" is "logged_out"
    And "ann"'s contact's "login_status_text" is "Logged out"
    And the Messenger shows no earlier conversations

    Examples:
      | platform |
      | web      |

  @high
  Scenario Outline: A logout without a Messenger reset leaves the person's identity on the device
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person logs out without resetting the Messenger
    And the person starts a conversation
    Then the conversation is routed to the "anonymous" path
    And the SDK holds the identity of "ann"
    And the contact's "external_id" is "{ann.user_id}"
    And the harness reports a "residual_identity" finding

    Examples:
      | platform |
      | ios      |
      | web      |

  @high
  Scenario Outline: Contact-type routing sends a signed-out person down the authenticated path
    Given a registered user "ann"
    And the workspace uses the "contact-type-only" workflow
    And the app uses the "no-sdk-logout" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "authenticated" path
    And the "order_history" procedure is blocked because "not_logged_in"
    And the harness reports a "misroute_authenticated" finding
    And the harness reports a "residual_identity" finding
    And the harness reports no "data_leak" finding

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
