@spec
Feature: Requests that never arrive and updates that race the login
  The Messenger's requests can be lost or issued out of turn: a logout status update
  that never reaches the workspace, an update sent before the login finished, or a
  reset done before the status was written.

  @medium
  Scenario Outline: A logged-out status lost on the network leaves the contact logged in
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the network drops Messenger requests
    And the person logs out
    Then the SDK call fails with error "network"
    And "ann"'s contact's "login_status" is "logged_in"
    And the SDK holds no identity

    Examples:
      | platform |
      | ios      |
      | web      |

  @low
  Scenario Outline: Once the network is back a relaunch starts the person anonymous
    Given a registered user "ann"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the network drops Messenger requests
    And the person logs out
    And the network is restored
    And the app is killed and relaunched
    And the person starts a conversation
    Then the conversation is routed to the "anonymous" path
    And the harness reports no findings

    Examples:
      | platform |
      | android  |

  @critical
  Scenario: A lost status update without a reset hands the person's orders to the next visitor
    Given a registered user "ann"
    And the app runs on "android" with the "no-sdk-logout" integration
    And procedures are guarded by the "status-only" guard
    When "ann" logs in
    And the network drops Messenger requests
    And the person logs out
    And the network is restored
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the "order_history" procedure is allowed
    And the harness reports a "data_leak" finding
    And the harness reports a "stale_status" finding

  @low
  Scenario Outline: An update fired before the login completes never reaches the contact
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "fire-and-forget" integration
    When "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the contact's "external_id" is "{ann.user_id}"
    And the contact has no "login_status"
    And the conversation is routed to the "anonymous" path
    And the "order_history" procedure is blocked because "not_logged_in"
    And the harness reports a "misroute_anonymous" finding
    And the harness reports a "over_block" finding

    Examples:
      | platform |
      | ios      |
      | android  |

  @medium
  Scenario Outline: Resetting the SDK before the status update leaves the old contact logged in
    Given a registered user "ann"
    And the workspace uses the "recommended" workflow
    And the app uses the "logout-before-status-update" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    Then "ann"'s contact's "login_status" is "logged_in"
    And the conversation is routed to the "anonymous" path
    And the SDK holds no identity

    Examples:
      | platform |
      | ios      |
      | web      |

  @high
  Scenario Outline: With contact-type routing the reset-first logout misroutes the anonymous contact
    Given a registered user "ann"
    And the workspace uses the "contact-type-only" workflow
    And the app uses the "logout-before-status-update" integration
    When "ann" logs in
    And the person logs out
    And the person starts a conversation
    Then the conversation is routed to the "authenticated" path
    And the harness reports a "misroute_authenticated" finding

    Examples:
      | platform |
      | android  |
