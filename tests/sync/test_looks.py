"""A playlist's description (pure): plain text from a source's HTML, the note line, what
decides a write, and the servers' limits, cut at a word with a warning naming the field."""

from __future__ import annotations

from urllib.parse import quote

from common.domain import SourceKind, Target
from sync_svc.looks import (
    MAX_DESCRIPTION,
    PLEX_MAX_ENCODED,
    compose,
    description_key,
    fit_description,
    plain_text,
    should_describe,
    source_name,
)


def test_html_descriptions_become_plain_text() -> None:
    spotify = 'Fresh picks. Cover: <a href="spotify:artist:1">Ana &amp; Bo</a>'
    assert plain_text(spotify) == "Fresh picks. Cover: Ana & Bo"
    listenbrainz = "<p>Tracks you  loved.</p><p>Made for <b>rob</b>.</p>"
    assert plain_text(listenbrainz) == "Tracks you loved.\nMade for rob."
    assert plain_text("Rock &amp; roll") == "Rock & roll"
    assert plain_text("  ") == ""


def test_the_description_is_the_sources_and_the_note() -> None:
    note = compose("Best of 2026", "Spotify", note=True, date="2026-12-06")
    assert note == "Best of 2026\n\nSynced by cmdarr from Spotify on 2026-12-06"
    assert compose("Best of 2026", "Spotify", note=False, date="2026-12-06") == "Best of 2026"
    assert compose("", "", note=True, date="2026-12-06") == "Synced by cmdarr on 2026-12-06"
    assert compose("", "Deezer", note=False, date="2026-12-06") == ""
    assert source_name(SourceKind.LISTENBRAINZ_CREATED_FOR) == "ListenBrainz"
    assert source_name(None) == ""


def test_the_key_ignores_the_date_and_follows_everything_else() -> None:
    key = description_key("Best of", "Spotify", True)
    assert key == description_key("Best of", "Spotify", True)
    assert key == description_key("<p>Best of</p>", "Spotify", True), "as sent: plain text"
    assert key != description_key("Best of!", "Spotify", True)
    assert key != description_key("Best of", "Deezer", True)
    assert key != description_key("Best of", "Spotify", False)


def test_a_warm_run_writes_no_description() -> None:
    key = description_key("Best of", "Spotify", True)
    assert not should_describe(stored_key=key, key=key, note=True, tracks_changed=False)
    # The tracks changed: the note's date moves with them.
    assert should_describe(stored_key=key, key=key, note=True, tracks_changed=True)
    assert not should_describe(stored_key=key, key=key, note=False, tracks_changed=True)
    assert should_describe(stored_key="", key=key, note=False, tracks_changed=False)


def test_a_description_within_the_limits_is_kept_whole() -> None:
    text = "word " * 150
    for target in Target:
        fitted = fit_description(text.strip(), target)
        assert (fitted.text, fitted.warning) == (text.strip(), "")


def test_a_long_description_is_cut_at_a_word_with_a_warning() -> None:
    text = " ".join(f"word{i}" for i in range(400))  # about 2,700 characters
    fitted = fit_description(text, Target.JELLYFIN)
    assert len(fitted.text) <= MAX_DESCRIPTION
    assert fitted.text.endswith("…")
    assert text.startswith(fitted.text[:-1]), "a prefix of the text"
    assert fitted.text[-2] != " "
    assert text[len(fitted.text) - 1] == " ", "cut where a word ends"
    assert fitted.warning.startswith("description: ")
    assert "Jellyfin" in fitted.warning


def test_plex_counts_the_encoded_length() -> None:
    text = "日本語の説明 " * 100  # 700 characters, 9 encoded characters for most of them
    assert len(text) <= MAX_DESCRIPTION
    fitted = fit_description(text, Target.PLEX)
    assert len(quote(fitted.text, safe="")) <= PLEX_MAX_ENCODED
    assert fitted.warning.startswith("description: ")
    assert "URL-encoded" in fitted.warning
    assert fit_description(text, Target.JELLYFIN).text == text, "Jellyfin's body has no URL"
