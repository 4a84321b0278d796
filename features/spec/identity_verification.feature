@spec
Feature: Identity verification
  The workspace only accepts a signed-in person whose identity the app signed with a
  user hash or a JWT. Unsigned or expired identities are refused by the Messenger.

  @low
  Scenario Outline: A signed identity is accepted and the person sees their data
    Given a registered user "ann"
    And identity verification is enforced with "<method>"
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the SDK holds the identity of "ann"
    And the "order_history" procedure is allowed
    And the harness reports no findings

    Examples:
      | platform | method |
      | ios      | hmac   |
      | web      | jwt    |

  @high
  Scenario Outline: An unsigned login is refused by the Messenger
    Given a registered user "ann"
    And identity verification is enforced with "<method>"
    And the app does not sign identities
    And the app uses the "recommended" integration
    When "ann" logs in
    Then the SDK call fails with error "<code>"
    And the SDK holds no identity

    Examples:
      | platform | method | code |
      | ios      | hmac   | 401  |
      | android  | hmac   | 1001 |
      | web      | hmac   | 403  |
      | ios      | jwt    | 400  |

  @high
  Scenario Outline: An unsigned person's conversation is kept from their personal data
    Given a registered user "ann"
    And identity verification is enforced with "<method>"
    And the app does not sign identities
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the contact has no "external_id"
    And the "order_history" procedure is blocked because "identity_not_verified"
    And the harness reports no "data_leak" finding
    # the app wrote its logged-in status onto the anonymous contact anyway
    And the harness reports a "misroute_authenticated" finding

    Examples:
      | platform | method |
      | ios      | hmac   |

  @high
  Scenario Outline: An hour after login the JWT has expired and the Messenger refuses the call
    Given a registered user "ann"
    And identity verification is enforced with "jwt"
    And the app uses the "recommended" integration
    When "ann" logs in
    And 2 hours pass
    And the person opens the Messenger
    Then the SDK call fails with error "<code>"

    Examples:
      | platform | code |
      | ios      | 400  |
      | android  | 1001 |
      | web      | 403  |

  @high
  Scenario Outline: Without verification the workspace takes anyone's word and blocks personal data
    Given a registered user "ann"
    And identity verification is off
    And the app uses the "recommended" integration
    When "ann" logs in
    And the person starts a conversation
    And the agent runs the "order_history" procedure
    Then the "order_history" procedure is blocked because "identity_not_verified"
    And the harness reports a "unverified_identity" finding

    Examples:
      | platform |
      | android  |
