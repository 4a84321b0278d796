@readiness
Feature: Opening the app without logging in
  Someone who never logs in is a stranger to the workspace. Whatever the app and the
  workspace are set up to do, a stranger's conversation must not be treated as a
  signed-in customer's, and the AI agent must not open anyone's personal data for it.

  @high
  Scenario Outline: A person who never logs in asks for help
    When the person opens the app without logging in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    And the agent runs the "membership_benefits" procedure
    Then the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
