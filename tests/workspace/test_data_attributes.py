"""The data attribute rules of the REST API: list, create, update, and what a
definition allows a contact to hold."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulator.workspace.attributes import STANDARD_CONTACT_ATTRIBUTES

DEFAULT_CUSTOM = [
    "login_status",
    "login_status_text",
    "user_id",
    "member_id",
    "user_level",
    "tier",
    "platform",
    "last_login_at",
]
STANDARD = [name for name, _, _ in STANDARD_CONTACT_ATTRIBUTES]


def error_of(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == "error.list"
    (item,) = body["errors"]
    assert item["code"] == code, item
    return item


def listed(api: httpx.Client, **params: str) -> dict[str, dict[str, Any]]:
    response = api.get("/data_attributes", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "list"
    return {a["name"]: a for a in body["data"]}


def define(
    api: httpx.Client, name: str, data_type: str = "string", **extra: Any
) -> dict[str, Any]:
    response = api.post(
        "/data_attributes",
        json={"name": name, "model": "contact", "data_type": data_type, **extra},
    )
    assert response.status_code == 200, response.text
    return response.json()


def write(api: httpx.Client, contact_id: str, **values: Any) -> httpx.Response:
    return api.put(f"/contacts/{contact_id}", json={"custom_attributes": values})


@pytest.fixture
def contact_id(api: httpx.Client) -> str:
    response = api.post("/contacts", json={"external_id": "u-1"})
    assert response.status_code == 200
    return response.json()["id"]


# -- list ---------------------------------------------------------------------------


def test_list_holds_the_standard_and_the_custom_attributes(api) -> None:
    attributes = listed(api)
    assert list(attributes) == STANDARD + DEFAULT_CUSTOM
    for name in STANDARD:
        assert attributes[name]["custom"] is False
        assert attributes[name]["full_name"] == name
    for name in DEFAULT_CUSTOM:
        assert attributes[name]["custom"] is True
        assert attributes[name]["full_name"] == f"custom_attributes.{name}"
        assert attributes[name]["model"] == "contact"
    assert attributes["last_login_at"]["data_type"] == "date"


def test_list_model_contact_is_the_default(api) -> None:
    assert listed(api, model="contact") == listed(api)


@pytest.mark.parametrize("model", ["company", "conversation"])
def test_list_other_models_hold_no_contact_attributes(api, model) -> None:
    attributes = listed(api, model=model)
    assert not set(attributes) & set(DEFAULT_CUSTOM)


@pytest.mark.parametrize("model", ["user", "contacts", "Contact"])
def test_list_unknown_model_is_400(api, model) -> None:
    error = error_of(
        api.get("/data_attributes", params={"model": model}), 400, "parameter_invalid"
    )
    assert error["field"] == "model"
    assert repr(model) in error["message"]


def test_list_leaves_archived_attributes_out_unless_asked(api) -> None:
    tier = listed(api)["tier"]
    api.put(f"/data_attributes/{tier['id']}", json={"archived": True})
    assert "tier" not in listed(api)
    assert "tier" not in listed(api, include_archived="false")
    with_archived = listed(api, include_archived="true")
    assert with_archived["tier"]["archived"] is True


@pytest.mark.parametrize("flag", ["yes", "1", "Truthy", "none"])
def test_list_include_archived_other_than_true_or_false_is_400(api, flag) -> None:
    response = api.get("/data_attributes", params={"include_archived": flag})
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "include_archived"
    assert repr(flag) in error["message"]


# -- create -------------------------------------------------------------------------


def test_create_defines_a_custom_contact_attribute(api) -> None:
    created = define(api, "plan", description="The billing plan")
    assert created["type"] == "data_attribute"
    assert created["name"] == "plan"
    assert created["full_name"] == "custom_attributes.plan"
    assert created["custom"] is True
    assert created["archived"] is False
    assert created["description"] == "The billing plan"
    assert created["messenger_writable"] is True
    assert listed(api)["plan"] == created


@pytest.mark.parametrize("missing", ["name", "model", "data_type"])
def test_create_without_a_required_field_is_400(api, missing) -> None:
    body = {"name": "plan", "model": "contact", "data_type": "string"}
    del body[missing]
    error = error_of(
        api.post("/data_attributes", json=body), 400, "parameter_not_found"
    )
    assert error["field"] == missing
    assert "plan" not in listed(api)


@pytest.mark.parametrize(
    "data_type", ["string", "integer", "float", "boolean", "date", "datetime"]
)
def test_create_accepts_each_allowed_data_type(api, data_type) -> None:
    created = define(api, f"field_{data_type}", data_type)
    shown = "date" if data_type == "datetime" else data_type
    assert created["data_type"] == shown


@pytest.mark.parametrize("data_type", ["text", "number", "list", "String", ""])
def test_create_with_a_data_type_outside_the_allowed_set_is_400(api, data_type) -> None:
    response = api.post(
        "/data_attributes",
        json={"name": "plan", "model": "contact", "data_type": data_type},
    )
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "data_type"
    assert repr(data_type) in error["message"]
    assert "plan" not in listed(api)


def test_create_options_attribute_with_two_options(api) -> None:
    created = define(
        api, "plan", "options", options=[{"value": "free"}, {"value": "pro"}]
    )
    assert created["options"] == ["free", "pro"]


@pytest.mark.parametrize("options", [None, [], [{"value": "free"}]])
def test_create_options_attribute_with_fewer_than_two_options_is_400(
    api, options
) -> None:
    body: dict[str, Any] = {"name": "plan", "model": "contact", "data_type": "options"}
    if options is not None:
        body["options"] = options
    error = error_of(api.post("/data_attributes", json=body), 400, "parameter_invalid")
    assert error["field"] == "options"
    assert "plan" not in listed(api)


@pytest.mark.parametrize("options", [["free", "pro"], [{"value": 1}, {"value": 2}]])
def test_create_options_that_are_not_value_objects_is_400(api, options) -> None:
    body = {
        "name": "plan",
        "model": "contact",
        "data_type": "options",
        "options": options,
    }
    error = error_of(api.post("/data_attributes", json=body), 400, "parameter_invalid")
    assert error["field"] == "options"


def test_create_options_on_another_data_type_is_400(api) -> None:
    body = {
        "name": "plan",
        "model": "contact",
        "data_type": "string",
        "options": [{"value": "free"}, {"value": "pro"}],
    }
    error = error_of(api.post("/data_attributes", json=body), 400, "parameter_invalid")
    assert error["field"] == "options"


@pytest.mark.parametrize("name", ["login_status", "email", "external_id"])
def test_create_with_a_name_already_defined_is_400(api, name) -> None:
    before = listed(api)
    response = api.post(
        "/data_attributes",
        json={"name": name, "model": "contact", "data_type": "integer"},
    )
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "name"
    assert name in error["message"]
    assert listed(api) == before


def test_create_with_the_name_of_an_archived_attribute_is_400(api) -> None:
    tier = listed(api)["tier"]
    api.put(f"/data_attributes/{tier['id']}", json={"archived": True})
    response = api.post(
        "/data_attributes",
        json={"name": "tier", "model": "contact", "data_type": "string"},
    )
    assert error_of(response, 400, "parameter_invalid")["field"] == "name"


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "plan.level",
        "$plan",
        "plan[0]",
        "!nv@l!d n@me",
        "plan/level",
        " plan",
    ],
)
def test_create_with_an_invalid_name_is_400(api, name) -> None:
    before = listed(api)
    response = api.post(
        "/data_attributes",
        json={"name": name, "model": "contact", "data_type": "string"},
    )
    error = error_of(response, 400, "parameter_invalid")
    assert error["field"] == "name"
    assert repr(name) in error["message"]
    assert listed(api) == before


@pytest.mark.parametrize("name", ["plan", "Plan Level", "plan-level", "2fa_enabled"])
def test_create_with_a_valid_name(api, name) -> None:
    assert define(api, name)["name"] == name


def test_create_with_a_wrongly_typed_field_is_400(api) -> None:
    response = api.post(
        "/data_attributes",
        json={
            "name": "plan",
            "model": "contact",
            "data_type": "string",
            "messenger_writable": "yes",
        },
    )
    assert error_of(response, 400, "parameter_invalid")["field"] == (
        "messenger_writable"
    )


@pytest.mark.parametrize(
    ("data_type", "good", "bad"),
    [
        ("string", "pro", 3),
        ("integer", 3, 3.5),
        ("integer", 0, True),
        ("float", 2.5, "2.5"),
        ("boolean", False, "false"),
        ("date", 1767603600, "2026-01-05"),
        ("datetime", 1767603600, 1.5),
    ],
)
def test_a_new_attribute_can_be_written_and_a_wrong_type_is_refused(
    api, contact_id, data_type, good, bad
) -> None:
    define(api, "plan", data_type)
    response = write(api, contact_id, plan=good)
    assert response.status_code == 200, response.text
    assert response.json()["custom_attributes"]["plan"] == good
    error = error_of(write(api, contact_id, plan=bad), 400, "parameter_invalid")
    assert error["field"] == "custom_attributes.plan"
    kept = api.get(f"/contacts/{contact_id}").json()["custom_attributes"]
    assert kept["plan"] == good


def test_an_options_attribute_takes_only_its_options(api, contact_id) -> None:
    define(api, "plan", "options", options=[{"value": "free"}, {"value": "pro"}])
    assert write(api, contact_id, plan="pro").status_code == 200
    error = error_of(write(api, contact_id, plan="gold"), 400, "parameter_invalid")
    assert "'gold'" in error["message"]


def test_a_new_attribute_can_be_searched(api, contact_id) -> None:
    define(api, "seats", "integer")
    write(api, contact_id, seats=12)
    response = api.post(
        "/contacts/search",
        json={
            "query": {"field": "custom_attributes.seats", "operator": ">", "value": 10}
        },
    )
    assert [c["id"] for c in response.json()["data"]] == [contact_id]


# -- update -------------------------------------------------------------------------


def test_update_changes_description_and_messenger_writable(api) -> None:
    plan = define(api, "plan")
    response = api.put(
        f"/data_attributes/{plan['id']}",
        json={"description": "The billing plan", "messenger_writable": False},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["description"] == "The billing plan"
    assert updated["messenger_writable"] is False
    assert listed(api)["plan"] == updated


def test_update_archive_makes_writing_the_attribute_400(api, contact_id) -> None:
    tier = listed(api)["tier"]
    assert write(api, contact_id, tier="gold").status_code == 200
    response = api.put(f"/data_attributes/{tier['id']}", json={"archived": True})
    assert response.status_code == 200
    assert response.json()["archived"] is True
    error = error_of(write(api, contact_id, tier="silver"), 400, "parameter_invalid")
    assert error["field"] == "custom_attributes.tier"
    assert "archived" in error["message"]
    create = api.post(
        "/contacts", json={"external_id": "u-2", "custom_attributes": {"tier": "x"}}
    )
    error_of(create, 400, "parameter_invalid")


def test_update_unarchive_makes_the_attribute_writable_again(api, contact_id) -> None:
    tier = listed(api)["tier"]
    api.put(f"/data_attributes/{tier['id']}", json={"archived": True})
    api.put(f"/data_attributes/{tier['id']}", json={"archived": False})
    assert write(api, contact_id, tier="gold").status_code == 200


def test_update_options_of_an_options_attribute(api, contact_id) -> None:
    plan = define(api, "plan", "options", options=[{"value": "free"}, {"value": "pro"}])
    response = api.put(
        f"/data_attributes/{plan['id']}",
        json={"options": [{"value": "free"}, {"value": "pro"}, {"value": "team"}]},
    )
    assert response.json()["options"] == ["free", "pro", "team"]
    assert write(api, contact_id, plan="team").status_code == 200


@pytest.mark.parametrize("attribute_id", ["99999999", "tier", "0"])
def test_update_unknown_id_is_404(api, attribute_id) -> None:
    response = api.put(f"/data_attributes/{attribute_id}", json={"archived": True})
    error = error_of(response, 404, "field_not_found")
    assert repr(attribute_id) in error["message"]


@pytest.mark.parametrize("name", STANDARD)
def test_update_a_standard_attribute_is_refused(api, name) -> None:
    attribute = listed(api)[name]
    response = api.put(
        f"/data_attributes/{attribute['id']}",
        json={"archived": True, "description": "changed"},
    )
    error = error_of(response, 400, "parameter_invalid")
    assert name in error["message"]
    assert listed(api)[name] == attribute


def test_update_with_a_wrongly_typed_field_is_400(api) -> None:
    tier = listed(api)["tier"]
    response = api.put(f"/data_attributes/{tier['id']}", json={"archived": "yes"})
    assert error_of(response, 400, "parameter_invalid")["field"] == "archived"
    assert listed(api)["tier"]["archived"] is False
