@spec
Feature: The web Messenger's session cookie after logout
  On the web the Messenger keeps a session cookie for a week. Unless the page shuts
  the Messenger down at logout, the next logged-out page shows the last person's
  conversations until that cookie runs out.

  @low
  Scenario: A logout with shutdown leaves the logged-out page empty
    Given a registered user "ann"
    And the app runs on "web" with the "recommended" integration
    And the SDK behaves like "web"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    And the app is killed and relaunched
    Then the SDK holds no identity
    And the Messenger shows no earlier conversations

  @high
  Scenario: A logout without shutdown keeps showing the person's conversations on the next page
    Given a registered user "ann"
    And the app runs on "web" with the "recommended" integration
    And the SDK behaves like "web"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out without resetting the Messenger
    And the app is killed and relaunched
    Then the SDK holds the identity of "ann"
    And the Messenger shows the conversations of "ann"

  @high
  Scenario: Six days after a logout without shutdown the cookie still brings the person back
    Given a registered user "ann"
    And the app runs on "web" with the "no-sdk-logout" integration
    And the SDK behaves like "web"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    And 6 days pass
    And the app is killed and relaunched
    And the person starts a conversation
    Then the conversation is routed to the "anonymous" path
    And the contact's "external_id" is "{ann.user_id}"
    And the harness reports a "residual_identity" finding

  @low
  Scenario: A week after a logout without shutdown the session cookie has run out
    Given a registered user "ann"
    And the app runs on "web" with the "no-sdk-logout" integration
    And the SDK behaves like "web"
    When "ann" logs in
    And the person starts a conversation
    And the person logs out
    And 8 days pass
    And the app is killed and relaunched
    Then the SDK holds no identity
    And the Messenger shows no earlier conversations
