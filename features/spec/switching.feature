@spec
Feature: Switching accounts on one device
  One person signs out and another signs in on the same phone or browser. A careful
  switch is a full logout then a login; a login over the current user skips the logout.

  @low
  Scenario Outline: A full switch gives the second person their own contact and conversations
    Given a registered user "ann"
    And a registered user "bob"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the person switches to "bob"
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "authenticated" path
    And the "order_history" procedure is allowed
    And the Messenger shows the conversations of "bob"
    And "ann"'s contact's "login_status" is "logged_out"
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @medium
  Scenario Outline: A switch without logout leaves the first person's contact saying logged in
    Given a registered user "ann"
    And a registered user "bob"
    And the app uses the "switch-without-logout" integration
    When "ann" logs in
    And the person starts a conversation
    And the person switches to "bob"
    Then the SDK calls succeed
    And the SDK holds the identity of "bob"
    And the Messenger shows no earlier conversations
    And "ann"'s contact's "login_status" is "logged_in"

    Examples:
      | platform |
      | android  |

  @critical
  Scenario Outline: On current SDKs the second person's conversation still lands on their own contact
    Given a registered user "ann"
    And a registered user "bob"
    And the app uses the "switch-without-logout" integration
    When "ann" logs in
    And the person switches to "bob"
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the contact's "external_id" is "{bob.user_id}"
    And the "order_history" procedure is allowed
    And the harness reports no "identity_mismatch" finding
    And the harness reports no "data_leak" finding

    Examples:
      | platform |
      | web      |
