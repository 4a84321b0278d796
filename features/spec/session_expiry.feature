@spec
Feature: A session that ends while the app is not looking
  Hours or days pass and the app's own session ends on the backend. A careful app
  notices and signs the person out; others leave the contact saying logged in.

  @low
  Scenario Outline: A careful app notices the expired session and treats the person as anonymous
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "recommended" integration
    When "ann" logs in
    And 2 hours pass
    And the app session expires
    And the person starts a conversation
    Then the conversation is routed to the "anonymous" path
    And the SDK holds no identity
    And the harness reports no findings

    Examples:
      | platform |
      | ios      |
      | web      |

  @medium
  Scenario Outline: An app that never notices leaves a stale logged-in status behind
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "silent-logout" integration
    When "ann" logs in
    And 2 hours pass
    And the app session expires
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the contact's "login_status" is "logged_in"
    And the conversation is routed to the "authenticated" path
    And the "order_history" procedure is blocked because "session_not_live"
    And the harness reports a "stale_status" finding
    And the harness reports a "misroute_authenticated" finding

    Examples:
      | platform |
      | ios      |
      | android  |
      | web      |

  @high
  Scenario Outline: An app that never syncs the status keeps the expired person's identity
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "no-status-sync" integration
    When "ann" logs in
    And 2 hours pass
    And the app session expires
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the contact has no "login_status"
    And the conversation is routed to the "anonymous" path
    And the "order_history" procedure is blocked because "session_not_live"
    And the harness reports a "residual_identity" finding

    Examples:
      | platform |
      | android  |

  @low
  Scenario: Days after the login the guard asks a genuine user to sign in again
    Given a registered user "ann"
    And the app runs on "ios" with the "recommended" integration
    When "ann" logs in
    And 3 days pass
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "authenticated" path
    And the "order_history" procedure is blocked because "stale_login"
    And the harness reports a "over_block" finding
