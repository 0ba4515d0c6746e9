"""Coverage-guided fuzzing of the response readers with atheris (opt in; not a pytest module).

    .venv/bin/python tests/reliability/atheris_xml.py -max_total_time=60

Each input picks an operation and a way to use its bytes: the whole body, spliced into the
operation's real response or error document, or replacing one element's text. ``of_xml`` of the
operation's output model may only raise iamlast's typed errors; ``decode_error`` may not raise at
all. Anything else is a crash atheris reports (with the input that caused it).
``tests/reliability/test_fuzz.py::test_atheris_harness`` runs this under ``-m fuzz``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

# Everything iamlast loads (the generated shapes load lazily, as the seeds are built) is
# instrumented for coverage; lxml, pydantic and the test helpers are not.
with atheris.instrument_imports(include=["iamlast"]):
    from iamlast._runtime.errors import IamError, ServiceError
    from iamlast.errors import decode_error
    from iamlast.operations import OPERATIONS
    from tests.reliability._seeds import OUTPUT_OPERATIONS, error_documents, output_document

    SEEDS = {op: output_document(op) for op in OUTPUT_OPERATIONS}
    ERRORS = {op: error_documents(op) for op in OUTPUT_OPERATIONS}
    MODELS = {op: OPERATIONS[op].output_model for op in OUTPUT_OPERATIONS}


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    operation = OUTPUT_OPERATIONS[fdp.ConsumeIntInRange(0, len(OUTPUT_OPERATIONS) - 1)]
    mode = fdp.ConsumeIntInRange(0, 3)
    status = fdp.ConsumeIntInRange(100, 599)
    where = fdp.ConsumeProbability()
    payload = fdp.ConsumeBytes(fdp.remaining_bytes())
    if mode == 0:
        body = payload
    else:
        seeds = [SEEDS[operation], *ERRORS[operation]]
        seed = seeds[int(where * 997) % len(seeds)]
        at = int(len(seed) * where)
        if mode == 1:  # spliced in
            body = seed[:at] + payload + seed[at:]
        elif mode == 2:  # replacing a stretch
            body = seed[:at] + payload + seed[at + len(payload) :]
        else:  # as the text of the element that starts after ``at``
            start = seed.find(b">", at) + 1
            end = seed.find(b"<", start)
            body = seed[:start] + payload + seed[end:] if 0 < start <= end else seed + payload
    model = MODELS[operation]
    try:
        model.of_xml(body)  # type: ignore[union-attr]
    except IamError:
        pass
    err = decode_error(operation, status, body, None)
    if not isinstance(err, ServiceError):
        raise AssertionError(f"decode_error returned {type(err).__name__}")
    str(err)
    repr(err)


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
