@spec
Feature: Logging in
  A registered person signs in: the Messenger identifies them, the status attributes
  reach their contact, and they get the personalised path and their own data.

  @low
  Scenario Outline: A signed-in person is routed as authenticated and sees their orders
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "authenticated" path
    And the "order_history" procedure is allowed
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @low
  Scenario Outline: The login writes the status and the ids onto the person's contact
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    Then the SDK calls succeed
    And the SDK holds the identity of "ann"
    And the contact's "external_id" is "{ann.user_id}"
    And the contact's "login_status" is "logged_in"
    And the contact's "member_id" is "{ann.member_id}"
    And the contact's "platform" is "<platform>"

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @low
  Scenario Outline: A conversation started anonymously is carried into the person's account
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When the person opens the app without logging in
    And the person starts a conversation
    And "ann" logs in
    Then the Messenger shows the conversations of "ann"
    And the contact's "external_id" is "{ann.user_id}"

    Examples:
      | platform |
      | android  |
      | web      |
