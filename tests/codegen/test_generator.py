"""The generator: deterministic, checkable, strict, and reviewed through snapshots.

- Determinism: two generations of the IAM model (in processes with different hash seeds) are
  byte-identical.
- ``python -m codegen --check`` passes on the committed tree and names the files of a tree
  that differs.
- Strictness: what the generator does not understand stops it with a message naming it.
- Snapshots: a small hand-written awsQuery model with one of everything is generated and compared
  file by file with tests/codegen/snapshots/ (``UPDATE_SNAPSHOTS=1`` rewrites them).
- Names: ``codegen.names.snake`` agrees with botocore's ``xform_name``.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name

from codegen import names
from codegen.generate import GeneratorError, check, generate_into
from codegen.model import ModelError
from iamlast.testing import of_query, to_xml

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "src" / "iamlast" / "_generated"
COMMITTED_CODECS = ROOT / "src" / "iamlast" / "testing" / "_generated"
SNAPSHOTS = Path(__file__).parent / "snapshots"
SPEC = json.loads((ROOT / "specs" / "iam-2010-05-08" / "service-2.json").read_text())


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# ------------------------------------------------------------------ determinism and --check


def _generate_in_subprocess(target: Path, hash_seed: str) -> None:
    """The models into ``target``, the emulator's codecs into ``target``'s sibling ``testing``."""
    code = (
        "import sys; from pathlib import Path; from codegen.generate import generate_into; "
        "generate_into(Path(sys.argv[1]), testing=Path(sys.argv[2]), models_package='iamlast._generated')"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    testing = target.parent / "testing"
    subprocess.run([sys.executable, "-c", code, str(target), str(testing)], cwd=ROOT, env=env, check=True)


@pytest.fixture(scope="module")
def iam_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The IAM model generated afresh (hash seed 1); its codecs are in the sibling ``testing``."""
    target = tmp_path_factory.mktemp("iam_a") / "_generated"
    _generate_in_subprocess(target, "1")
    return target


def test_generation_is_deterministic(iam_tree: Path, tmp_path: Path) -> None:
    again = tmp_path / "_generated"
    _generate_in_subprocess(again, "4242")
    for first, second in (
        (tree(iam_tree), tree(again)),
        (tree(iam_tree.parent / "testing"), tree(tmp_path / "testing")),
    ):
        assert sorted(first) == sorted(second)
        differing = [rel for rel in first if first[rel] != second[rel]]
        assert differing == []
    # a module per shared structure, one per operation for what only it reaches, and the enums
    assert {"shapes/role.py", "shapes/list_roles.py"} <= set(tree(iam_tree))
    assert len(tree(iam_tree)) > 250
    assert {"writers.py", "readers.py"} <= set(tree(tmp_path / "testing"))


def test_small_model_generation_is_deterministic(tmp_path: Path) -> None:
    generate_into(tmp_path / "a", SNAPSHOT_MODEL, SNAPSHOT_PAGINATORS, SNAPSHOT_OVERRIDES)
    generate_into(
        tmp_path / "b", copy.deepcopy(SNAPSHOT_MODEL), SNAPSHOT_PAGINATORS, SNAPSHOT_OVERRIDES
    )
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_committed_tree_is_what_the_generator_writes(iam_tree: Path) -> None:
    assert tree(COMMITTED) == tree(iam_tree)
    assert tree(COMMITTED_CODECS) == tree(iam_tree.parent / "testing")


def test_the_models_carry_no_writers_or_query_readers() -> None:
    """XML writers and awsQuery readers serve only the emulator: they are generated into
    iamlast.testing, not into the models users import."""
    for path in sorted((COMMITTED / "shapes").glob("*.py")):
        text = path.read_text()
        for name in ("def to_xml", "def _w_", "def of_query", "def _qr_", "_to_xml_members"):
            assert name not in text, f"{path.name} has {name}"
    codecs = (COMMITTED_CODECS / "writers.py").read_text()
    assert "def _w_Role(" in codecs and "def _qr_ListRolesRequest(" in (
        COMMITTED_CODECS / "readers.py"
    ).read_text()


def test_check_command_passes_on_the_committed_tree() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "current" in result.stdout


@pytest.fixture
def stale_copy(iam_tree: Path, tmp_path: Path) -> Path:
    copy_dir = tmp_path / "_generated"
    shutil.copytree(iam_tree, copy_dir)
    role = copy_dir / "shapes" / "role.py"
    role.write_text(role.read_text().replace("class Role(", "class Role(  # edited by hand\n", 1))
    (copy_dir / "shapes" / "hand_written.py").write_text("x = 1\n")
    (copy_dir / "shapes" / "tag.py").unlink()
    cache = copy_dir / "shapes" / "__pycache__"
    cache.mkdir()
    (cache / "role.cpython-311.pyc").write_bytes(b"ignored")
    return copy_dir


def test_check_names_every_stale_file(
    stale_copy: Path, iam_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # check() generates afresh; reuse the generation the module already made (it is
    # deterministic, see above) so that this test measures only the comparison.
    import codegen.generate as generate

    monkeypatch.setattr(
        generate, "generate_into", lambda target, *a, **k: shutil.copytree(iam_tree, target)
    )
    assert check(stale_copy) == [
        "extra (not generated): shapes/hand_written.py",
        "differs: shapes/role.py",
        "missing: shapes/tag.py",
    ]


def test_check_command_fails_naming_the_file(stale_copy: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check", "--out", str(stale_copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "shapes/role.py" in result.stderr
    assert "shapes/tag.py" in result.stderr
    assert "shapes/hand_written.py" in result.stderr


# ------------------------------------------------------------------ strictness


def _mini() -> dict[str, Any]:
    return {
        "version": "2.0",
        "metadata": {
            "apiVersion": "2020-01-01",
            "protocol": "query",
            "serviceId": "Mini",
            "xmlNamespace": "https://mini.example.com/doc/2020-01-01/",
            "endpointPrefix": "mini",
        },
        "operations": {
            "GetThing": {
                "name": "GetThing",
                "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "GetThingRequest"},
                "output": {"shape": "GetThingResponse", "resultWrapper": "GetThingResult"},
            }
        },
        "shapes": {
            "GetThingRequest": {
                "type": "structure",
                "required": ["Name"],
                "members": {"Name": {"shape": "nameType"}},
            },
            "GetThingResponse": {"type": "structure", "members": {"Value": {"shape": "nameType"}}},
            "nameType": {"type": "string", "min": 1, "max": 10},
        },
    }


Mutation = Callable[[dict[str, Any]], None]


def _set(path: list[str], value: Any) -> Mutation:
    def mutate(model: dict[str, Any]) -> None:
        target = model
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


STRICT: dict[str, tuple[Mutation, list[str]]] = {
    "unknown shape type": (
        _set(["shapes", "nameType", "type"], "bigdecimal"),
        ["nameType", "bigdecimal"],
    ),
    "unknown shape key": (_set(["shapes", "nameType", "xmlRadix"], 16), ["nameType", "xmlRadix"]),
    "unknown member key": (
        _set(["shapes", "GetThingResponse", "members", "Value", "location"], "header"),
        ["GetThingResponse.Value", "location"],
    ),
    "member references a missing shape": (
        _set(["shapes", "GetThingResponse", "members", "Other"], {"shape": "NoSuchShape"}),
        ["GetThingResponse", "NoSuchShape"],
    ),
    "list member references a missing shape": (
        _set(["shapes", "things"], {"type": "list", "member": {"shape": "NoSuchShape"}}),
        ["things", "NoSuchShape"],
    ),
    "queryName": (
        _set(["shapes", "GetThingRequest", "members", "Name", "queryName"], "TheName"),
        ["GetThingRequest.Name", "queryName"],
    ),
    "protocol rest-json": (_set(["metadata", "protocol"], "rest-json"), ["protocol", "rest-json"]),
    "protocol rest-xml": (_set(["metadata", "protocol"], "rest-xml"), ["protocol", "rest-xml"]),
    "json without a target prefix": (
        _set(["metadata", "protocol"], "json"),
        ["targetPrefix", "X-Amz-Target"],
    ),
    "document type in awsQuery": (
        _set(["shapes", "doc"], {"type": "structure", "members": {}, "document": True}),
        ["doc", "document"],
    ),
    "unknown overrides section": (lambda m: None, ["overrides", "renames"]),
    "unknown operation key": (
        _set(["operations", "GetThing", "streaming"], True),
        ["GetThing", "streaming"],
    ),
    "error that is not a shape": (
        _set(["operations", "GetThing", "errors"], [{"shape": "NoSuchError"}]),
        ["GetThing", "NoSuchError"],
    ),
    "enum on an integer": (
        _set(["shapes", "count"], {"type": "integer", "enum": ["1"]}),
        ["count", "enum"],
    ),
    "unknown timestampFormat": (
        _set(["shapes", "when"], {"type": "timestamp", "timestampFormat": "julian"}),
        ["when", "julian"],
    ),
    "event stream": (
        _set(["shapes", "events"], {"type": "structure", "members": {}, "eventstream": True}),
        ["events", "eventstream"],
    ),
    "required names a non-member": (
        _set(["shapes", "GetThingResponse", "required"], ["Missing"]),
        ["GetThingResponse", "Missing"],
    ),
    "paginator for an unknown operation": (lambda m: None, ["NoSuchOperation"]),
    # strict (a request) and open (a response) at once: refused rather than guessed
    "an output requests carry too": (
        _set(["shapes", "GetThingRequest", "members", "Echo"], {"shape": "GetThingResponse"}),
        ["GetThingResponse", "requests carry too"],
    ),
}


@pytest.mark.parametrize("case", sorted(STRICT))
def test_generator_is_strict(case: str, tmp_path: Path) -> None:
    mutate, named = STRICT[case]
    model = _mini()
    mutate(model)
    paginators = None
    if case == "paginator for an unknown operation":
        paginators = {
            "pagination": {"NoSuchOperation": {"input_token": "Marker", "output_token": "Marker"}}
        }
    overrides = {"renames": {}} if case == "unknown overrides section" else None
    target = tmp_path / "pkg"
    target.mkdir()
    (target / "keep.txt").write_text("untouched")
    with pytest.raises(GeneratorError) as info:
        generate_into(target, model, paginators, overrides)
    message = str(info.value)
    for name in named:
        assert name in message, message
    assert isinstance(info.value.__cause__, ModelError)
    # a failed generation leaves the target as it was
    assert (target / "keep.txt").read_text() == "untouched"


@pytest.mark.parametrize(("where", "shape"), [("input", "NoSuchInput"), ("output", "NoSuchOutput")])
def test_operation_referencing_a_missing_shape(where: str, shape: str, tmp_path: Path) -> None:
    model = _mini()
    model["operations"]["GetThing"][where]["shape"] = shape
    with pytest.raises(GeneratorError, match=shape) as info:
        generate_into(tmp_path / "pkg", model)
    assert "GetThing" in str(info.value)


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(_set(["metadata", "jsonVersion2"], "1.0"), id="unknown metadata key"),
        pytest.param(_set(["waiters"], {}), id="unknown top-level key"),
    ],
)
def test_unknown_model_and_metadata_keys_are_refused(mutate: Mutation, tmp_path: Path) -> None:
    model = _mini()
    mutate(model)
    with pytest.raises(GeneratorError):
        generate_into(tmp_path / "pkg", model)


def test_the_iam_model_metadata_is_understood() -> None:
    """The keys the refusal above must keep accepting: everything IAM's model has."""
    assert set(SPEC) <= {"version", "metadata", "operations", "shapes", "documentation"}
    assert set(SPEC["metadata"]) <= {
        "apiVersion",
        "auth",
        "endpointPrefix",
        "globalEndpoint",
        "protocol",
        "protocols",
        "serviceAbbreviation",
        "serviceFullName",
        "serviceId",
        "signatureVersion",
        "uid",
        "xmlNamespace",
    }


@pytest.fixture
def import_generated(tmp_path: Path) -> Iterator[Callable[[str, dict[str, Any]], Any]]:
    imported: list[str] = []

    def load(name: str, model: dict[str, Any]) -> Any:
        generate_into(tmp_path / name, model, testing=tmp_path / f"{name}_codecs")
        imported.extend([name, f"{name}_codecs"])
        importlib.import_module(f"{name}_codecs")  # registers its writers for to_xml
        return importlib.import_module(name)

    sys.path.insert(0, str(tmp_path))
    try:
        yield load
    finally:
        sys.path.remove(str(tmp_path))
        for mod in [m for m in sys.modules if m.split(".")[0] in imported]:
            del sys.modules[mod]


@pytest.mark.parametrize(
    ("member", "kind", "text"), [("Float", "float", "1.5"), ("Str", "string", "x")]
)
def test_member_named_like_a_builtin_type(
    member: str, kind: str, text: str, import_generated: Callable[[str, dict[str, Any]], Any]
) -> None:
    model = _mini()
    model["shapes"]["scalar"] = {"type": kind}
    model["shapes"]["GetThingResponse"]["members"][member] = {"shape": "scalar"}
    package = import_generated(f"builtin_{member.lower()}", model)
    shapes = importlib.import_module(package.__name__ + ".shapes")
    document = f"<GetThingResponse><GetThingResult><{member}>{text}</{member}></GetThingResult></GetThingResponse>"
    parsed = shapes.GetThingResponse.of_xml(document)
    assert str(getattr(parsed, names.attribute(member))) == text
    assert shapes.GetThingResponse.of_xml(to_xml(parsed)) == parsed


# ------------------------------------------------------------------ snapshots

SNAPSHOT_MODEL: dict[str, Any] = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2021-06-01",
        "endpointPrefix": "widgets",
        "protocol": "query",
        "serviceFullName": "Widget Service",
        "serviceId": "Widgets",
        "signatureVersion": "v4",
        "xmlNamespace": "https://widgets.example.com/doc/2021-06-01/",
    },
    "operations": {
        "GetWidget": {
            "name": "GetWidget",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "GetWidgetRequest"},
            "output": {"shape": "GetWidgetResponse", "resultWrapper": "GetWidgetResult"},
            "errors": [{"shape": "WidgetNotFoundException"}],
            "documentation": "<p>Returns one widget.</p>",
        },
        "ListWidgets": {
            "name": "ListWidgets",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "ListWidgetsRequest"},
            "output": {"shape": "ListWidgetsResponse", "resultWrapper": "ListWidgetsResult"},
            "documentation": "<p>Lists widgets, a page at a time.</p>",
        },
        "DeleteWidget": {
            "name": "DeleteWidget",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "DeleteWidgetRequest"},
            "errors": [{"shape": "WidgetNotFoundException"}],
        },
    },
    "shapes": {
        "GetWidgetRequest": {
            "type": "structure",
            "required": ["WidgetName"],
            "members": {
                "WidgetName": {
                    "shape": "widgetNameType",
                    "documentation": "<p>The widget's name.</p>",
                },
                "Secret": {"shape": "secretType"},
                "Since": {"shape": "dateType"},
                "Labels": {"shape": "labelListType"},
                "Attributes": {"shape": "attributeMapType"},
                "Kind": {"shape": "widgetKindType"},
                # a structure requests and responses both carry: a SharedShape
                "Owner": {"shape": "Owner"},
            },
        },
        "GetWidgetResponse": {
            "type": "structure",
            "required": ["Widget"],
            "members": {"Widget": {"shape": "Widget"}},
        },
        "ListWidgetsRequest": {
            "type": "structure",
            "members": {"Marker": {"shape": "markerType"}, "MaxItems": {"shape": "maxItemsType"}},
        },
        "ListWidgetsResponse": {
            "type": "structure",
            "required": ["Widgets"],
            "members": {
                "Widgets": {"shape": "widgetListType"},
                "IsTruncated": {"shape": "booleanType"},
                "Marker": {"shape": "markerType"},
            },
        },
        "DeleteWidgetRequest": {
            "type": "structure",
            "required": ["WidgetName"],
            "members": {"WidgetName": {"shape": "widgetNameType"}},
        },
        "Widget": {
            "type": "structure",
            "required": ["WidgetName", "CreateDate"],
            "members": {
                "WidgetName": {"shape": "widgetNameType"},
                "CreateDate": {"shape": "dateType"},
                "Kind": {"shape": "widgetKindType"},
                "Thumbnail": {"shape": "thumbnailType"},
                "Labels": {"shape": "labelListType"},
                "Attributes": {"shape": "attributeMapType"},
                "Policy": {"shape": "policyDocumentType"},
                "Owner": {"shape": "Owner"},
                "Weight": {"shape": "weightType"},
            },
            "documentation": "<p>A widget, with <code>one of everything</code>.</p>",
        },
        "Owner": {
            "type": "structure",
            "required": ["OwnerId"],
            "members": {"OwnerId": {"shape": "idType"}, "Since": {"shape": "dateType"}},
        },
        "WidgetNotFoundException": {
            "type": "structure",
            "members": {"message": {"shape": "messageType"}},
            "error": {"code": "WidgetNotFound", "httpStatusCode": 404, "senderFault": True},
            "exception": True,
            "documentation": "<p>No widget by that name.</p>",
        },
        "widgetNameType": {"type": "string", "max": 64, "min": 1, "pattern": "[\\w+=,.@-]+"},
        "secretType": {"type": "string", "max": 128, "min": 1, "sensitive": True},
        "idType": {"type": "string", "max": 32, "min": 16, "pattern": "[\\w]+"},
        "markerType": {"type": "string", "max": 320, "min": 1, "pattern": "[\\u0020-\\u00FF]+"},
        "maxItemsType": {"type": "integer", "max": 1000, "min": 1},
        "labelType": {
            "type": "string",
            "max": 128,
            "min": 1,
            "pattern": "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
        },
        "labelListType": {"type": "list", "member": {"shape": "labelType"}, "max": 50},
        "attributeMapType": {
            "type": "map",
            "key": {"shape": "labelType"},
            "value": {"shape": "messageType"},
        },
        "widgetKindType": {"type": "string", "enum": ["SMALL", "LARGE", "extra-large"]},
        "dateType": {"type": "timestamp"},
        "thumbnailType": {"type": "blob", "max": 1024, "min": 1},
        "policyDocumentType": {"type": "string", "max": 131072, "min": 1},
        "weightType": {"type": "double", "min": 0},
        "booleanType": {"type": "boolean"},
        "messageType": {"type": "string"},
        "widgetListType": {"type": "list", "member": {"shape": "Widget"}},
    },
}
SNAPSHOT_PAGINATORS: dict[str, Any] = {
    "pagination": {
        "ListWidgets": {
            "input_token": "Marker",
            "output_token": "Marker",
            "more_results": "IsTruncated",
            "limit_key": "MaxItems",
            "result_key": "Widgets",
        }
    }
}
SNAPSHOT_OVERRIDES: dict[str, Any] = {"url_encoded_shapes": {"shapes": ["policyDocumentType"]}}
SNAPSHOT_DIR = SNAPSHOTS / "widgets"
#: The emulator's codecs for the same model (what iamlast.testing/_generated holds for IAM).
CODECS_SNAPSHOT_DIR = SNAPSHOTS / "widgets_codecs"
SUFFIX = ".snap"  # not .py: the snapshots are data, not part of the test suite or its lint


@pytest.fixture(scope="module")
def widgets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Any]]:
    root = tmp_path_factory.mktemp("snapshot")
    target = root / "widgets_snapshot"
    generate_into(
        target,
        SNAPSHOT_MODEL,
        SNAPSHOT_PAGINATORS,
        SNAPSHOT_OVERRIDES,
        testing=root / "widgets_snapshot_codecs",
    )
    sys.path.insert(0, str(root))
    try:
        importlib.import_module("widgets_snapshot_codecs")  # registers its writers for to_xml
        yield target, importlib.import_module("widgets_snapshot")
    finally:
        sys.path.remove(str(root))
        for mod in [m for m in sys.modules if m.split(".")[0] in ("widgets_snapshot", "widgets_snapshot_codecs")]:
            del sys.modules[mod]


@pytest.mark.parametrize(
    ("generated", "snapshots"),
    [("widgets_snapshot", SNAPSHOT_DIR), ("widgets_snapshot_codecs", CODECS_SNAPSHOT_DIR)],
)
def test_snapshot(widgets: tuple[Path, Any], generated: str, snapshots: Path) -> None:
    target, _ = widgets
    fresh = tree(target.parent / generated)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        if snapshots.exists():
            shutil.rmtree(snapshots)
        for rel, data in fresh.items():
            path = snapshots / (rel + SUFFIX)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    assert snapshots.exists(), "no snapshots yet: run with UPDATE_SNAPSHOTS=1 and review them"
    stored = {rel.removesuffix(SUFFIX): data for rel, data in tree(snapshots).items()}
    assert sorted(fresh) == sorted(stored), "generated files differ from the snapshot's file list"
    for rel in sorted(fresh):
        if fresh[rel] != stored[rel]:
            diff = difflib.unified_diff(
                stored[rel].decode().splitlines(),
                fresh[rel].decode().splitlines(),
                f"snapshot/{rel}",
                f"generated/{rel}",
                lineterm="",
            )
            pytest.fail(
                f"{rel} differs from its snapshot (UPDATE_SNAPSHOTS=1 rewrites them):\n"
                + "\n".join(list(diff)[:80])
            )


def test_snapshot_covers_one_of_everything() -> None:
    files = {p.relative_to(SNAPSHOT_DIR).as_posix() for p in SNAPSHOT_DIR.rglob(f"*{SUFFIX}")}
    for expected in (
        "__init__.py",
        "enums/__init__.py",
        "enums/widget_kind_type.py",
        "errors.py",
        "operations.py",
        "shapes/__init__.py",
        "shapes/widget.py",
        "shapes/owner.py",
        "shapes/widget_not_found_exception.py",
        "shapes/get_widget.py",  # GetWidgetRequest and GetWidgetResponse: only GetWidget's
        "shapes/list_widgets.py",
    ):
        assert expected + SUFFIX in files, expected
    codecs = {p.relative_to(CODECS_SNAPSHOT_DIR).as_posix() for p in CODECS_SNAPSHOT_DIR.rglob(f"*{SUFFIX}")}
    assert codecs == {f"{name}{SUFFIX}" for name in ("__init__.py", "readers.py", "writers.py")}


def test_the_snapshot_package_works(widgets: tuple[Path, Any]) -> None:
    """The reviewed code does what it says: a request out, a response and an error in."""
    from datetime import UTC, datetime

    from iamlast import ParamValidationError

    _, package = widgets
    shapes = importlib.import_module(package.__name__ + ".shapes")
    enums = importlib.import_module(package.__name__ + ".enums")
    errors = importlib.import_module(package.__name__ + ".errors")
    operations = importlib.import_module(package.__name__ + ".operations")

    request = shapes.GetWidgetRequest(
        widget_name="w1",
        secret="s3cr3t",
        since=datetime(2021, 6, 1, tzinfo=UTC),
        labels=["a", "b"],
        attributes={"color": "blue"},
        kind="SMALL",
    )
    assert request.to_query() == {
        "WidgetName": "w1",
        "Secret": "s3cr3t",
        "Since": "2021-06-01T00:00:00Z",
        "Labels.member.1": "a",
        "Labels.member.2": "b",
        "Attributes.entry.1.key": "color",
        "Attributes.entry.1.value": "blue",
        "Kind": "SMALL",
    }
    assert "s3cr3t" not in repr(request)
    assert of_query(shapes.GetWidgetRequest, request.to_query()) == request

    document = (
        '<GetWidgetResponse xmlns="https://widgets.example.com/doc/2021-06-01/"><GetWidgetResult><Widget>'
        "<WidgetName>w1</WidgetName><CreateDate>2021-06-01T12:00:00.5Z</CreateDate><Kind>HUGE</Kind>"
        "<Thumbnail>AAEC</Thumbnail><Policy>%7B%7D</Policy><Weight>1e3</Weight>"
        "<Owner><OwnerId>o</OwnerId></Owner>"
        "</Widget></GetWidgetResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
        "</GetWidgetResponse>"
    )
    widget = shapes.GetWidgetResponse.of_xml(document).widget
    assert (
        widget.kind == "HUGE"
        and not widget.kind.known
        and isinstance(widget.kind, enums.WidgetKindType)
    )
    assert widget.thumbnail == b"\x00\x01\x02" and widget.policy == "{}" and widget.weight == 1000.0
    assert widget.create_date == datetime(2021, 6, 1, 12, 0, 0, 500000, tzinfo=UTC)
    assert widget.owner.owner_id == "o"  # shorter than idType's minimum: responses are lenient

    # Responses keep what the model does not know; requests refuse it (shared shapes too).
    newer = document.replace("<Kind>", "<Colour>red</Colour><Kind>").replace(
        "<OwnerId>o</OwnerId>", "<OwnerId>o</OwnerId><Team><Name>t</Name></Team>"
    )
    widget = shapes.GetWidgetResponse.of_xml(newer).widget
    assert widget.model_extra == {"Colour": "red"} and widget.owner.model_extra == {"Team": {"Name": "t"}}
    assert shapes.GetWidgetResponse.of_json(shapes.GetWidgetResponse.of_xml(newer).to_json()).widget == widget
    assert (shapes.Widget.__base__.__name__, shapes.Owner.__base__.__name__) == ("OpenShape", "SharedShape")
    with pytest.raises(ParamValidationError, match="Colour"):
        shapes.GetWidgetRequest(widget_name="w1", owner={"OwnerId": "o" * 16, "Colour": "red"})

    err = errors.decode_error(
        "GetWidget", 404, to_xml(shapes.WidgetNotFoundException(message="no w1"))
    )
    assert type(err) is errors.WidgetNotFoundError and err.code == "WidgetNotFound"
    assert errors.GetWidgetError is not None and errors.ListWidgetsError is not None

    spec = operations.OPERATIONS["ListWidgets"]
    assert spec.paginator is not None
    pager = spec.paginator
    assert (pager.input_token, pager.output_token, pager.more_results, pager.limit_key) == (
        "marker",
        "marker",
        "is_truncated",
        "max_items",
    )
    assert pager.result_keys == ("widgets",) and pager.source == "botocore"
    assert operations.OPERATIONS["GetWidget"].error_classes == (errors.WidgetNotFoundError,)
    assert operations.OPERATIONS["DeleteWidget"].output is None


# ------------------------------------------------------------------ names


def _iam_names() -> list[str]:
    found = set(SPEC["operations"])
    for shape in SPEC["shapes"].values():
        found.update(shape.get("members", {}))
    return sorted(found)


def test_snake_agrees_with_botocore_for_every_iam_operation_and_member() -> None:
    mismatches = [
        (n, names.snake(n), xform_name(n)) for n in _iam_names() if names.snake(n) != xform_name(n)
    ]
    assert mismatches == []
    assert len(_iam_names()) > 450


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "GetServiceLastAccessedDetailsWithEntities",
            "get_service_last_accessed_details_with_entities",
        ),
        ("ListSAMLProviderTags", "list_saml_provider_tags"),
        ("GetOpenIDConnectProvider", "get_open_id_connect_provider"),
        ("Base32StringSeed", "base32_string_seed"),
        ("QRCodePNG", "qr_code_png"),
        ("ListMFADeviceTags", "list_mfa_device_tags"),
        ("ClientIDList", "client_id_list"),
        ("OpenIDConnectProviderARNs", "open_id_connect_provider_arns"),
        ("ServiceNamespaces", "service_namespaces"),
    ],
)
def test_snake_examples(name: str, expected: str) -> None:
    assert names.snake(name) == expected == xform_name(name)


def test_attributes_never_shadow_the_model_api() -> None:
    assert names.attribute("Type") == "type"
    assert names.attribute("Return") == "return_"
    assert names.attribute("Json") == "json_"
    assert names.attribute("ToXml") == "to_xml_"
    assert names.attribute("ModelConfig") == "model_config_"
    assert names.attribute("ResponseMetadata") == "response_metadata_"
    assert names.attribute("1Thing").isidentifier()


@pytest.mark.parametrize(
    ("shape", "cls"),
    [
        ("NoSuchEntityException", "NoSuchEntityError"),
        ("CredentialReportNotReadyException", "CredentialReportNotReadyError"),
        ("ComplexError", "ComplexError"),
        ("Throttled", "ThrottledError"),
        ("invalidThing", "InvalidThingError"),
    ],
)
def test_error_class_names(shape: str, cls: str) -> None:
    assert names.error_class(shape) == cls


def test_every_iam_exception_shape_is_a_class_matched_by_its_code() -> None:
    from iamlast import errors

    for name, shape in sorted(SPEC["shapes"].items()):
        if not shape.get("exception"):
            continue
        cls = getattr(errors, names.error_class(name))
        code = (shape.get("error") or {}).get("code") or name
        assert cls.codes == (code,), name
        assert cls.shape_name == name
        assert errors.BY_CODE[code] is cls
    assert errors.NoSuchEntityError.codes == ("NoSuchEntity",)
    assert errors.BY_CODE["NoSuchEntity"] is errors.NoSuchEntityError
    assert "NoSuchEntityException" not in errors.BY_CODE


@pytest.mark.parametrize(
    ("value", "member"),
    [
        ("IN_PROGRESS", "IN_PROGRESS"),
        ("aws-managed", "AWS_MANAGED"),
        ("Local", "LOCAL"),
        ("SHA-256", "SHA_256"),
    ],
)
def test_enum_member_names(value: str, member: str) -> None:
    assert names.enum_member(value) == member
