@readiness
Feature: Logging in
  A customer who logs in should be recognised as themselves: their conversation goes
  where signed-in customers go, and the AI agent may look up their own orders,
  benefits and service requests.

  @low
  Scenario Outline: A customer logs in and asks about an order
    Given a registered user "ann"
    When "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    And the agent runs the "membership_benefits" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @low
  Scenario Outline: A person asks a question first, then logs in and asks about an order
    Given a registered user "ann"
    When the person opens the app without logging in
    And the person starts a conversation
    And "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
