import json
import logging

from common.runtime.logs import JsonFormatter, Redactor


def format_line(redactor: Redactor, message: str, *args: object) -> str:
    record = logging.LogRecord("t", logging.INFO, __file__, 1, message, args, None)
    return JsonFormatter("svc", redactor).format(record)


def test_known_secret_values_are_masked() -> None:
    redactor = Redactor()
    redactor.add("s3cr3t-token-value")
    line = format_line(redactor, "connecting with %s", "s3cr3t-token-value")
    assert "s3cr3t" not in line
    assert json.loads(line)["msg"] == "connecting with ***"


def test_credential_shapes_are_masked_even_when_unknown() -> None:
    redactor = Redactor()
    for text in (
        "GET http://plex:32400/library?X-Plex-Token=abcdEFGH1234",
        "authorization: Bearer abcdEFGH1234",
        'Authorization: MediaBrowser Token="abcdEFGH1234", Client="x"',
        "api_key=abcdEFGH1234&x=1",
    ):
        assert "abcdEFGH1234" not in format_line(redactor, text)


def test_tracebacks_are_redacted_too() -> None:
    redactor = Redactor()
    redactor.add("hunter2hunter2")
    try:
        raise RuntimeError("failed with hunter2hunter2")
    except RuntimeError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "boom", (), sys.exc_info())
    assert "hunter2hunter2" not in JsonFormatter("svc", redactor).format(record)
