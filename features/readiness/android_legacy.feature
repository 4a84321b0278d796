@readiness
Feature: Older Android SDKs
  Many customers run app versions built on an older Android Messenger SDK, which
  refuses a second login, can hang on an anonymous login over a signed-in user, and
  resets softly on logout. The app must still keep every customer apart.

  @critical
  Scenario: On an older Android SDK, Ann switches to Bob's account
    Given the app runs on "android"
    And the SDK behaves like "android-legacy"
    And a registered user "ann"
    And a registered user "bob"
    When "ann" logs in
    And the person switches to "bob"
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

  @high
  Scenario: On an older Android SDK, a customer logs out and someone asks for help
    Given the app runs on "android"
    And the SDK behaves like "android-legacy"
    And a registered user "ann"
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings

  @high
  Scenario: On an older Android SDK, the app is killed within the hour after a logout
    Given the app runs on "android"
    And the SDK behaves like "android-legacy"
    And a registered user "ann"
    When "ann" logs in
    And the person logs out
    And 10 minutes pass
    And the app is killed and relaunched
    And the person starts a conversation
    And the agent runs the "service_progress" procedure
    Then the harness reports no findings

  @high
  Scenario: On a current Android SDK, the app is killed within the hour after a logout
    Given the app runs on "android"
    And a registered user "ann"
    When "ann" logs in
    And the person logs out
    And 10 minutes pass
    And the app is killed and relaunched
    And the person starts a conversation
    And the agent runs the "service_progress" procedure
    Then the harness reports no findings

  @low
  Scenario: On an older Android SDK, a customer logs out and logs back in
    Given the app runs on "android"
    And the SDK behaves like "android-legacy"
    And a registered user "ann"
    When "ann" logs in
    And the person logs out
    And "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the harness reports no findings
