@spec
Feature: Which workflow and which guard let a signed-out person in
  The same lifecycle judged under each bundled workflow and guard: only routing on the
  live login status keeps a signed-out person anonymous, and only the full guard
  keeps their data closed when the status is wrong.

  @high
  Scenario Outline: A person signed out without a reset, under each workflow
    Given a registered user "ann"
    And the workspace uses the "<workflow>" workflow
    And the app uses the "no-sdk-logout" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    Then the conversation is routed to the "<path>" path
    And the harness reports a "residual_identity" finding

    Examples:
      | platform | workflow          | path          |
      | ios      | contact-type-only | authenticated |
      | android  | tier-only         | authenticated |
      | web      | recommended       | anonymous     |

  @high
  Scenario Outline: Contact-type routing sends a brand-new anonymous person down the authenticated path
    Given the workspace uses the "contact-type-only" workflow
    And the app uses the "recommended" integration
    When the person opens the app without logging in
    And the person starts a conversation
    Then the conversation is routed to the "authenticated" path
    And the harness reports a "misroute_authenticated" finding

    Examples:
      | platform |
      | android  |

  @low
  Scenario Outline: A signed-in person takes the authenticated path under every workflow
    Given a registered user "ann"
    And the workspace uses the "<workflow>" workflow
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    Then the conversation is routed to the "authenticated" path
    And the harness reports no findings

    Examples:
      | platform | workflow          |
      | ios      | contact-type-only |
      | android  | tier-only         |

  @critical
  Scenario Outline: A guard that trusts the status, or no guard, opens a signed-out person's orders
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And procedures are guarded by the "<guard>" guard
    And the app uses the "silent-logout" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "authenticated" path
    And the "order_history" procedure is allowed
    And the harness reports a "data_leak" finding
    And the harness reports a "misroute_authenticated" finding

    Examples:
      | platform | guard       |
      | android  | status-only |
      | web      | none        |

  @high
  Scenario: The full guard stops a silent logout on the backend's word
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app runs on "android" with the "silent-logout" integration
    And procedures are guarded by the "recommended" guard
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the "order_history" procedure is blocked because "session_not_live"
    And the harness reports a "stale_status" finding
    And the harness reports no "data_leak" finding

  @critical
  Scenario Outline: Without a guard an anonymous person's conversation opens personal data
    Given the workspace uses the "recommended" workflow
    And procedures are guarded by the "none" guard
    And the app uses the "recommended" integration
    When the person opens the app without logging in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the conversation is routed to the "anonymous" path
    And the "order_history" procedure is allowed
    And the harness reports a "data_leak" finding

    Examples:
      | platform |
      | web      |

  @low
  Scenario Outline: Every guard lets a genuinely signed-in person see their orders
    Given a registered user "ann"
    And procedures are guarded by the "<guard>" guard
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the "order_history" procedure is allowed
    And the harness reports no findings

    Examples:
      | platform | guard       |
      | android  | status-only |
