@readiness
Feature: Switching accounts on one device
  Two customers share a device. When the second one signs in, everything the
  workspace and the AI agent do must be about the second customer only: never the
  first one's contact, conversations or personal data.

  @critical
  Scenario Outline: Ann logs out and Bob logs in on the same device
    Given a registered user "ann"
    And a registered user "bob"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    And "bob" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @critical
  Scenario Outline: Ann switches to Bob's account and Bob asks about his benefits
    Given a registered user "ann"
    And a registered user "bob"
    When "ann" logs in
    And the person switches to "bob"
    And the person starts a conversation
    And the agent runs the "membership_benefits" procedure
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
