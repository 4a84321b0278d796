@readiness
Feature: What agents see in the Inbox sidebar
  An agent answering a conversation reads who the person is from the Inbox sidebar.
  It must describe the person who is writing now: their own ids, their tier and the
  platform they write from, never the previous person on the device.

  @low
  Scenario Outline: After logging in, the sidebar shows the customer's own details
    Given a registered user "ann"
    When "ann" logs in
    And the person starts a conversation
    Then the Inbox sidebar shows "user_id" as "{ann.user_id}"
    And the Inbox sidebar shows "member_id" as "{ann.member_id}"
    And the Inbox sidebar shows "tier" as "{ann.tier}"
    And the Inbox sidebar shows "platform" as "<platform>"

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @critical
  Scenario Outline: After Ann switches to Bob, the sidebar shows Bob's details, not Ann's
    Given a registered user "ann"
    And a registered user "bob"
    When "ann" logs in
    And the person starts a conversation
    And the person switches to "bob"
    And the person starts a conversation
    Then the Inbox sidebar shows "user_id" as "{bob.user_id}"
    And the Inbox sidebar shows "member_id" as "{bob.member_id}"
    And the Inbox sidebar shows "platform" as "<platform>"

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @high
  Scenario Outline: After logging out, the sidebar of the next conversation shows no customer ids
    Given a registered user "ann"
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    Then the Inbox sidebar shows no "user_id"
    And the Inbox sidebar shows no "member_id"

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |
