"""Requests stay strict while responses keep what they do not know: an unknown member of a request
is a ParamValidationError naming it, and so it is for a shape both sides carry (``Tag``,
``ContextProvider``) built from keywords or a mapping; such a shape read from a response keeps its
unknown members, and can be passed back in a request (they are not sent)."""

from __future__ import annotations

import pytest

from iamlast import ParamValidationError, models

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
LISTED_TAGS = f"""<ListRoleTagsResponse xmlns="{NS}"><ListRoleTagsResult>
  <Tags><member><Key>team</Key><Value>blue</Value><Expires>2030-01-01T00:00:00Z</Expires></member></Tags>
  <IsTruncated>false</IsTruncated>
</ListRoleTagsResult></ListRoleTagsResponse>"""


def test_an_unknown_keyword_in_a_request_is_refused_by_name() -> None:
    with pytest.raises(ParamValidationError) as info:
        models.GetRoleRequest(role_name="r", role_colour="teal")
    assert [(p.path, p.rule) for p in info.value.problems] == [("role_colour", "unknown")]


def test_shared_shapes_are_strict_in_requests() -> None:
    """Tag travels both ways: built from keywords or a mapping it is a request value."""
    with pytest.raises(ParamValidationError) as info:
        models.Tag(key="k", value="v", Colour="teal")
    assert [(p.path, p.rule) for p in info.value.problems] == [("Colour", "unknown")]
    with pytest.raises(ParamValidationError) as info:
        models.CreateRoleRequest(
            role_name="r",
            assume_role_policy_document="{}",
            tags=[{"Key": "k", "Vaule": "v"}],
        )
    assert {(p.path, p.rule) for p in info.value.problems} == {
        ("Tags[0].Vaule", "unknown"),
        ("Tags[0].Value", "required"),
    }
    with pytest.raises(ParamValidationError, match="Colour"):
        models.CreateOpenIDConnectProviderRequest(
            url="https://idp.example.com",
            context_provider={
                "SubjectSourceKey": "sub",
                "KeyDefinitionList": [{"SourceKey": "a", "Colour": "x"}],
            },
        )
    with pytest.raises(ParamValidationError, match="Colour"):
        models.Tag.of_json({"Key": "k", "Value": "v", "Colour": "teal"})


def test_a_shared_shape_read_from_a_response_can_go_back_in_a_request() -> None:
    tag = models.ListRoleTagsResponse.of_xml(LISTED_TAGS).tags[0]
    request = models.TagRoleRequest(role_name="r", tags=[tag])
    assert request.tags[0].model_extra == {"Expires": "2030-01-01T00:00:00Z"}  # kept...
    assert request.to_query() == {
        "RoleName": "r",
        "Tags.member.1.Key": "team",
        "Tags.member.1.Value": "blue",
    }  # ...not sent
