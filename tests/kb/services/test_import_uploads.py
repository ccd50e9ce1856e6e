"""Imports of uploaded bytes (kb.services.imports: ``import_upload``, ``read_article``,
``upload_name``), the web's /import path below the web: messages name the file as
uploaded, an uploaded claims file reads no file of the server, nothing is written on
an error, and the report counts new claims."""
from __future__ import annotations

import pytest

from kb.errors import InputError
from kb.services.imports import upload_name

from tests.conftest import SEED_ARTICLE

PROSE = ("The Lindenmoor reservoir held 23 percent of its capacity on Wednesday, the lowest "
         "level since measurements began in 1952.")
CLAIMS = f"""claimkb: 1
articles:
  planet:
    publisher: Daily Planet
    published: 2021-07-08
    text: "{PROSE}"
claims:
  - article: planet
    quote: held 23 percent of its capacity
    subject: Lindenmoor reservoir
    property: share of capacity filled
    value: 23 %
    about: 2021-07-07
"""


@pytest.mark.parametrize("sent,safe", [
    ("claims.yaml", "claims.yaml"), ("C:\\Users\\me\\claims.yaml", "claims.yaml"),
    ("../../etc/passwd", "passwd"), ("..", "upload"), ("", "upload"),
    ("my claims (v2).yaml", "my_claims__v2_.yaml"), (".hidden.yaml", "hidden.yaml"),
    ("a/b/статья.txt", "статья.txt"), ("x" * 300 + ".yaml", "x" * 95 + ".yaml"),
])
def test_upload_names_are_safe_file_names(sent, safe):
    assert upload_name(sent) == safe


def test_an_upload_is_imported_and_counted(kb):
    report = kb.import_upload("reservoir.yaml", CLAIMS.encode("utf-8"), user="eddie")
    assert (report.path, report.format, report.claims, report.new, report.articles) == \
        ("reservoir.yaml", "claims", 1, 1, 1)
    again = kb.import_upload("reservoir.yaml", CLAIMS.encode("utf-8"))
    assert (again.claims, again.new) == (1, 0)
    (row,) = kb.list_claims()
    assert [c.who for c in kb.claim_history(row["id"])] == ["eddie"]


@pytest.mark.parametrize("raw,name,fmt,error", [
    (b"", "a.yaml", None, "a.yaml: the file is empty"),
    (b"claims: []\n\x00", "a.yaml", None, "a.yaml: binary data, not text"),
    (b"\xff\xfeclaims", "a.yaml", None, "a.yaml: not UTF-8 text (invalid start byte at byte 0)"),
    (b"claims: []", "a.csv", None, "a.csv: cannot tell the format from the extension '.csv'"),
    (b"claims: []", "a.yaml", "excel", "a.yaml: unknown import format 'excel'"),
    (CLAIMS.replace("23 %", "lots").encode(), "r.yaml", None, "r.yaml:8 claim #1: not a quantity"),
    (b"{\"@context\": \"https://schema.org\", ", "r.jsonld", None, "r.jsonld:1:"),
], ids=["empty", "nul", "not-utf8", "extension", "format", "bad-claim", "bad-json"])
def test_a_bad_upload_names_the_file_as_sent_and_writes_nothing(kb, raw, name, fmt, error):
    with pytest.raises(InputError) as err:
        kb.import_upload(name, raw, fmt)
    assert str(err.value).startswith(error), str(err.value)
    assert "claimkb-upload-" not in str(err.value)
    assert kb.store.quad_count() == 0


@pytest.mark.parametrize("key", ["file", "html"])
def test_an_uploaded_claims_file_reads_no_file_of_the_server(kb, key):
    body = CLAIMS.replace(f'    text: "{PROSE}"', f"    {key}: {SEED_ARTICLE}")
    with pytest.raises(InputError) as err:
        kb.import_upload("reads.yaml", body.encode("utf-8"))
    assert str(err.value).startswith("reads.yaml:4 articles.planet: an uploaded claims file "
                                     "cannot read article files (file, html)")
    assert kb.store.quad_count() == 0


def test_a_claims_file_on_disk_still_reads_its_article_files(kb, tmp_path):
    """The CLI's path is unchanged: ``file`` is read next to the YAML file."""
    (tmp_path / "note.txt").write_text(PROSE + "\n", encoding="utf-8")
    path = tmp_path / "claims.yaml"
    path.write_text(CLAIMS.replace(f'    text: "{PROSE}"', "    file: note.txt"), encoding="utf-8")
    assert kb.import_file(path).claims == 1


def test_read_article_takes_html_and_text_files_only(kb):
    data = kb.read_article("reservoir.txt", f"Reservoir\n\n{PROSE}\n".encode("utf-8"))
    assert (data.key, data.title) == ("reservoir", "Reservoir")
    for name, raw, message in (("a.pdf", b"%PDF-1.4", "a.pdf: an article file is"),
                               ("a.txt", b"  \n", "a.txt: the file is empty"),
                               ("../a.txt", b"\xff", "a.txt: not UTF-8 text")):
        with pytest.raises(InputError) as err:
            kb.read_article(name, raw)
        assert str(err.value).startswith(message), str(err.value)
