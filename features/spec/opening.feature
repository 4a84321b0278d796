@spec
Feature: Opening the app without logging in
  Someone opens the app and never signs in: the Messenger treats them as an anonymous
  person, the workspace sends them down the anonymous path and nothing personal opens.

  @low
  Scenario Outline: An anonymous person is routed to the anonymous path
    Given the workspace uses the "recommended" workflow
    And the app uses the "recommended" integration
    When the person opens the app without logging in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "anonymous" path
    And the "order_history" procedure is blocked because "not_logged_in"
    And the SDK holds no identity
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @low
  Scenario Outline: The mobile Messenger makes an anonymous user contact with no ids
    Given the app uses the "recommended" integration
    When the person opens the app without logging in
    And the person starts a conversation
    Then the contact is a "user"
    And the contact's "login_status" is "anonymous"
    And the contact has no "external_id"
    And the contact has no "user_id"

    Examples:
      | platform |
      | ios      |

  @low
  Scenario: A web visitor who writes in becomes a lead
    Given the app runs on "web" with the "recommended" integration
    And the SDK behaves like "web"
    When the person opens the app without logging in
    And the person starts a conversation
    Then the contact is a "lead"
    And the contact has no "external_id"
    And the conversation is routed to the "anonymous" path
