"""A policy's Markdown documentation as the console shows it: structure kept, nothing unescaped,
no link out of loopback."""

from __future__ import annotations

from helios_metrics.monitoring_emulator._markdown import markdown_html


def test_a_runbook_keeps_its_headings_lists_and_emphasis():
    text = (
        "## Pipeline runs are failing\n\nMore than 15% failed\n(success rate below 85%).\n\n**What to do**\n\n"
        "1. Helios dashboard → success rate.\n2. Read the logs\n   of that stage.\n\n- one\n- two\n\n"
        "_Managed by `python -m setup_infra`; edit the configuration._"
    )
    assert markdown_html(text) == (
        "<h4>Pipeline runs are failing</h4>"
        "<p>More than 15% failed (success rate below 85%).</p>"
        "<p><strong>What to do</strong></p>"
        "<ol><li>Helios dashboard → success rate.</li><li>Read the logs of that stage.</li></ol>"
        "<ul><li>one</li><li>two</li></ul>"
        "<p><em>Managed by <code>python -m setup_infra</code>; edit the configuration.</em></p>"
    )


def test_markup_in_a_runbook_is_escaped_and_links_show_their_address():
    shown = markdown_html('<script>alert(1)</script> see [the docs](https://example.com/run?a=1&b=2) "quoted"')
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown
    assert "href" not in shown
    assert "the docs (https://example.com/run?a=1&amp;b=2)" in shown


def test_underscores_inside_words_and_lone_asterisks_stay_as_written():
    assert markdown_html("pipeline_runs and 2 * 3 * 4") == "<p>pipeline_runs and 2 * 3 * 4</p>"


def test_no_documentation_is_no_html():
    assert markdown_html("") == ""
