@readiness
Feature: Sessions in the browser
  The web Messenger remembers a visitor with cookies, and its session cookie lasts a
  week. A page opened after a logout must not bring the last customer back.

  @high
  Scenario: A customer logs out in the browser, and someone opens the site later that week
    Given the app runs on "web"
    And a registered user "ann"
    When "ann" logs in
    And the person logs out
    And 6 days pass
    And the person opens the app without logging in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

  @high
  Scenario: A customer logs out in the browser, and a week later someone opens the site
    Given the app runs on "web"
    And a registered user "ann"
    When "ann" logs in
    And the person logs out
    And 7 days pass
    And the person opens the app without logging in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

  @critical
  Scenario: On a shared computer, Bob logs in the day after Ann logged out
    Given the app runs on "web"
    And a registered user "ann"
    And a registered user "bob"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    And 1 days pass
    And "bob" logs in
    And the person starts a conversation
    And the agent runs the "membership_benefits" procedure
    Then the harness reports no findings
