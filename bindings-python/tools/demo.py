"""`make demo`: start `secctx mock`, run the README's openai-python example against it, and print
what the mock recorded."""

from __future__ import annotations

import json
import os
import runpy
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from conftest import start_mock, stop_mock  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        mock = start_mock(Path(tmp))
        try:
            print(f"secctx mock listening on {mock.base_url}")
            os.environ["AZURE_OPENAI_ENDPOINT"] = mock.base_url
            os.environ["AZURE_OPENAI_API_KEY"] = "demo-key"
            print("--- examples/openai_azure.py (the README's openai-python example) prints:")
            runpy.run_path(str(HERE.parent / "examples" / "openai_azure.py"), run_name="__main__")
            print("--- the mock recorded:")
            records = mock.requests()
            print(json.dumps(records, indent=2))
            ok = len(records) == 1 and not records[0]["findings"] and records[0]["user_security_context"]
            print("demo:", "ok" if ok else "UNEXPECTED RECORD")
            return 0 if ok else 1
        finally:
            stop_mock(mock)


if __name__ == "__main__":
    sys.exit(main())
