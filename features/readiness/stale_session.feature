@readiness
Feature: A session that ended without the person noticing
  The app's backend can end a session on its own: it expires, or it is revoked. The
  workspace must stop treating the person as signed in from then on.

  @medium
  Scenario Outline: A customer's session expires while the app sits in the background
    Given a registered user "ann"
    When "ann" logs in
    And the app session expires
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @medium
  Scenario Outline: A customer comes back after a month away and asks about an order
    Given a registered user "ann"
    When "ann" logs in
    And 31 days pass
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
