@readiness
Feature: Logging out
  After a customer logs out, the app on that device is a stranger's again. The next
  conversation from it must go where strangers go, and the AI agent must not open
  the customer's personal data for whoever is holding the device.

  @high
  Scenario Outline: A customer logs out and then asks for help
    Given a registered user "ann"
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @critical
  Scenario Outline: Someone picks up a logged-out device and asks about the orders
    Given a registered user "ann"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    And 10 minutes pass
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    And the agent runs the "membership_benefits" procedure
    And the agent runs the "service_progress" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @high
  Scenario Outline: After logging out, the Messenger no longer lists the customer's conversations
    Given a registered user "ann"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    Then the Messenger shows no earlier conversations

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @medium
  Scenario Outline: After logging out, agents no longer see the customer as logged in
    Given a registered user "ann"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    Then the Inbox no longer shows "ann" as logged in

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
