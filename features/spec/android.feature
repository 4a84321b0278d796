@spec
Feature: Android SDK generations: soft resets and legacy logins
  The Android Messenger keeps a logged-out identity for an hour before its hard reset,
  and older generations refuse or misplace a second login on the same device.

  @low
  Scenario: Within the soft-reset hour the push token still belongs to the logged-out person
    Given a registered user "ann"
    And the app runs on "android" with the "recommended" integration
    And the SDK behaves like "android-current"
    When "ann" logs in
    And the app registers for push notifications
    And the person logs out
    Then the SDK holds no identity
    And the push token is registered to "ann"

  @low
  Scenario: After the soft-reset hour the hard reset removes the push token
    Given a registered user "ann"
    And the app runs on "android" with the "recommended" integration
    And the SDK behaves like "android-current"
    When "ann" logs in
    And the app registers for push notifications
    And the person logs out
    And 2 hours pass
    And the person opens the app without logging in
    Then the push token is registered to nobody

  @critical
  Scenario: A kill inside the soft-reset hour keeps sending the person's pushes to the device
    Given a registered user "ann"
    And the app runs on "android" with the "recommended" integration
    And the SDK behaves like "android-current"
    When "ann" logs in
    And the app registers for push notifications
    And the person logs out
    And 10 minutes pass
    And the app is killed and relaunched
    And 2 hours pass
    And the person opens the app without logging in
    Then the SDK holds no identity
    And the push token is registered to "ann"

  @critical
  Scenario: An old SDK refuses the second person's login and keeps the first one
    Given a registered user "ann"
    And a registered user "bob"
    And the app runs on "android" with the "switch-without-logout" integration
    And the SDK behaves like "android-legacy"
    When "ann" logs in
    And the person switches to "bob"
    Then the SDK call fails with error "3002"
    And the SDK holds the identity of "ann"

  @critical
  Scenario: On an old SDK the second person's conversation lands on the first person's contact
    Given a registered user "ann"
    And a registered user "bob"
    And the app runs on "android" with the "switch-without-logout" integration
    And the SDK behaves like "android-legacy"
    When "ann" logs in
    And the person switches to "bob"
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the contact's "external_id" is "{ann.user_id}"
    And the "order_history" procedure is blocked because "account_mismatch"
    And the harness reports a "identity_mismatch" finding

  @critical
  Scenario: On an old SDK a new login's attributes are written onto the previous person
    Given a registered user "ann"
    And a registered user "bob"
    And the app runs on "android" with the "no-sdk-logout" integration
    And the SDK behaves like "android-legacy"
    When "ann" logs in
    And the person logs out
    And "bob" logs in
    And the person starts a conversation
    Then the SDK calls succeed
    And the contact's "external_id" is "{ann.user_id}"
    And the contact's "user_id" is "{bob.user_id}"
    And the harness reports a "identity_mismatch" finding

  @high
  Scenario: On an old SDK an anonymous open over a kept identity never calls back
    Given a registered user "ann"
    And the app runs on "android" with the "no-sdk-logout" integration
    And the SDK behaves like "android-legacy"
    When "ann" logs in
    And the person logs out
    And the person opens the app without logging in
    Then the app is left waiting for an SDK callback
    And the SDK holds the identity of "ann"

  @high
  Scenario: On a current SDK an anonymous open over a kept identity fails with 3002
    Given a registered user "ann"
    And the app runs on "android" with the "no-sdk-logout" integration
    And the SDK behaves like "android-current"
    When "ann" logs in
    And the person logs out
    And the person opens the app without logging in
    Then the SDK call fails with error "3002"
    And the SDK holds the identity of "ann"

  @low
  Scenario: On a current SDK a new login over a kept identity switches to the new person
    Given a registered user "ann"
    And a registered user "bob"
    And the app runs on "android" with the "no-sdk-logout" integration
    And the SDK behaves like "android-current"
    When "ann" logs in
    And the person logs out
    And "bob" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the contact's "external_id" is "{bob.user_id}"
    And the "order_history" procedure is allowed
    And the harness reports no findings
