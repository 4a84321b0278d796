@spec
Feature: What an agent reads in the Inbox sidebar
  The sidebar shows the login status, the ids, the tier and the platform. After each
  moment of the lifecycle it should tell the agent who, if anyone, is writing.

  @low
  Scenario Outline: An anonymous person shows as not logged in with no ids
    Given the app uses the "recommended" integration
    When the person opens the app without logging in
    And the person starts a conversation
    Then the Inbox sidebar shows "login_status_text" as "Not logged in"
    And the Inbox sidebar shows no "user_id"
    And the Inbox sidebar shows "platform" as "<platform>"

    Examples:
      | platform |
      | android  |

  @low
  Scenario Outline: A signed-in person shows with their name, ids and tier
    Given a registered "gold" user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    Then the Inbox sidebar shows "login_status_text" as "Logged in as {ann.name}"
    And the Inbox sidebar shows "user_id" as "{ann.user_id}"
    And the Inbox sidebar shows "member_id" as "{ann.member_id}"
    And the Inbox sidebar shows "tier" as "gold"
    And the Inbox sidebar shows "platform" as "<platform>"

    Examples:
      | platform |
      | ios      |
      | web      |

  @low
  Scenario Outline: After a full logout the next conversation shows nobody's ids
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    Then the Inbox sidebar shows no "user_id"
    And the Inbox sidebar shows no "member_id"
    And the Inbox sidebar shows no "tier"

    Examples:
      | platform |
      | web      |

  @high
  Scenario Outline: A logout without a reset shows the signed-out person's ids beside "Logged out"
    Given a registered "silver" user "ann"
    And the app uses the "no-sdk-logout" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    Then the Inbox sidebar shows "login_status_text" as "Logged out"
    And the Inbox sidebar shows "user_id" as "{ann.user_id}"
    And the Inbox sidebar shows "tier" as "silver"

    Examples:
      | platform |
      | android  |

  @medium
  Scenario Outline: A silent logout still shows the person as logged in
    Given a registered user "ann"
    And the app uses the "silent-logout" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    Then the Inbox sidebar shows "login_status_text" as "Logged in as {ann.name}"
    And the harness reports a "stale_status" finding

    Examples:
      | platform |
      | ios      |

  @low
  Scenario Outline: After a full switch the sidebar shows the second person
    Given a registered user "ann"
    And a registered user "bob"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person switches to "bob"
    And the person starts a conversation
    Then the Inbox sidebar shows "login_status_text" as "Logged in as {bob.name}"
    And the Inbox sidebar shows "user_id" as "{bob.user_id}"

    Examples:
      | platform |
      | web      |
