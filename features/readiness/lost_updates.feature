@readiness
Feature: Status updates lost on the way
  Phones lose their connection. If the logged-out status never reaches the
  workspace, the next conversation from the device must still not be treated as the
  customer's.

  @medium
  Scenario Outline: The connection drops while a customer logs out
    Given a registered user "ann"
    When "ann" logs in
    And the network drops Messenger requests
    And the person logs out
    And the network is restored
    And the person opens the app without logging in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
