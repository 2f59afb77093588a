"""What only the Tantivy adapter has to get right: processes sharing one folder.

The contract suite (tests/contract/) covers what the port promises; these cover
how the local engine keeps it with a writer and readers in separate processes,
a rebuild beside a consumer, and folders that vanish or cannot be used.
"""
from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

import pytest
import tantivy

from portrait.search import tantivy_index
from portrait.search.port import SearchQuery, SearchUnavailable
from portrait.search.tantivy_index import TantivyIndex
from portrait.search.tantivy_storage import unavailable
from tests.contract.projects import project

# Indexes `count` projects one write (one commit) at a time, as the consumer does.
_WRITER = """
import sys
from pathlib import Path
from portrait.search.port import ProjectDocument
from portrait.search.tantivy_index import TantivyIndex
from portrait.search.tantivy_storage import unavailable

directory, prefix, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
index = TantivyIndex(directory)
for number in range(count):
    index.index(ProjectDocument(f"{prefix}{number}", "u-ada", "ada", "Ada", f"Harbour {number}",
                                "", (), None, "2025-01-01T00:00:00.000Z",
                                "2025-01-01T00:00:00.000Z", 1))
"""


def _writer_process(directory: Path, prefix: str, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(directory), prefix, str(count)],
                            stderr=subprocess.PIPE, text=True)


def _total(index: TantivyIndex, text: str = "") -> int:
    return index.search(SearchQuery(text=text)).total


def test_a_commit_in_another_process_shows_in_the_next_search(tmp_path) -> None:
    reader = TantivyIndex(tmp_path)
    reader.index(project("mine", "Harbour lights"))
    assert _total(reader) == 1

    writer = _writer_process(tmp_path, "theirs-", 1)
    assert writer.wait(timeout=60) == 0, writer.stderr.read()

    assert _total(reader) == 2  # no wait: the reader reloads when meta.json changed


def test_writers_in_two_processes_take_turns(tmp_path) -> None:
    writers = [_writer_process(tmp_path, prefix, 25) for prefix in ("a-", "b-")]

    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    assert _total(TantivyIndex(tmp_path), "harbour") == 50


def test_a_writer_that_cannot_get_its_turn_is_unavailable(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(tantivy_index, "_LOCK_TIMEOUT_SECONDS", 0.2)
    index = TantivyIndex(tmp_path)
    with open(tmp_path / "projects.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as another process in the middle of a batch

        with pytest.raises(SearchUnavailable):
            index.index(project("p", "Harbour lights"))


def test_a_batch_commits_once_at_its_end(tmp_path) -> None:
    consumer, reader = TantivyIndex(tmp_path), TantivyIndex(tmp_path)
    consumer.index(project("first", "Harbour lights"))

    with consumer.batch():
        assert consumer.index(project("a", "Harbour at dawn")) is True
        assert consumer.index(project("a", "Harbour at dawn")) is False  # the batch's own write
        assert consumer.index(project("a", "Harbour at noon", version=2)) is True
        assert consumer.delete("first", 2) is True
        assert _total(reader) == 1  # nothing committed yet

    assert _total(reader) == 1 and reader.get("a").version == 2
    assert reader.get("first") is None


def test_a_batch_that_raises_writes_nothing(tmp_path) -> None:
    index = TantivyIndex(tmp_path)
    index.index(project("kept", "Harbour lights"))

    with pytest.raises(RuntimeError, match="consumer failed"):
        with index.batch():
            index.index(project("lost", "Harbour at dawn"))
            raise RuntimeError("consumer failed")

    assert index.get("lost") is None and index.get("kept") is not None
    assert index.index(project("lost", "Harbour at dawn")) is True  # the retry goes through


def test_a_rebuild_carries_over_what_the_consumer_wrote_meanwhile(tmp_path) -> None:
    consumer, api = TantivyIndex(tmp_path), TantivyIndex(tmp_path)
    for project_id in ("p1", "p2", "p3"):
        consumer.index(project(project_id, "Harbour lights"))

    def projects_table():
        yield from (project(project_id, "Harbour lights") for project_id in ("p1", "p2", "p3"))
        # The scan has read these; the consumer keeps writing to the live index.
        consumer.index(project("p1", "Harbour at night", version=2))
        consumer.delete("p2", 2)
        consumer.index(project("p4", "Harbour market"))
        yield project("p5", "Harbour bridge")

    report = api.rebuild(projects_table())

    assert report.indexed == 4
    assert api.get("p1").title == "Harbour at night"
    assert api.get("p2") is None
    assert api.index(project("p2", "Harbour lights")) is False  # its tombstone came along
    assert {api.get(project_id) is not None for project_id in ("p3", "p4", "p5")} == {True}
    consumer.index(project("p6", "Harbour steps"))  # the consumer now writes to the new index
    assert _total(api, "harbour") == 5


def test_the_alias_names_the_live_folder_and_the_old_one_is_removed(tmp_path) -> None:
    reader, rebuilder = TantivyIndex(tmp_path), TantivyIndex(tmp_path)
    reader.index(project("old", "Harbour lights"))
    first = reader.live_index_name()
    assert _total(reader) == 1  # the reader has the first folder open

    report = rebuilder.rebuild([project("new", "Harbour market")])

    assert report.previous == first
    assert (tmp_path / "projects.alias").read_text() == report.index_name
    assert not (tmp_path / first).exists()
    assert [hit.document.project_id for hit in reader.search(SearchQuery()).hits] == ["new"]


def test_nothing_indexed_yet_answers_empty_and_writes_nothing(tmp_path) -> None:
    index = TantivyIndex(tmp_path / "search")

    assert index.search(SearchQuery(text="harbour")).hits == []
    assert index.suggest("har") == [] and index.get("p") is None
    assert not (tmp_path / "search").exists()


def test_a_folder_that_cannot_be_used_is_unavailable(tmp_path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    index = TantivyIndex(not_a_folder)

    with pytest.raises(SearchUnavailable):
        index.search(SearchQuery(text="harbour"))
    with pytest.raises(SearchUnavailable):
        index.index(project("p", "Harbour lights"))
    with pytest.raises(SearchUnavailable):
        index.rebuild([project("p", "Harbour lights")])


class PanicException(BaseException):
    """Named as pyo3's panic is: a BaseException raised from inside the engine."""


@pytest.mark.parametrize("failure", [OSError("disk full"), ValueError("bad segment"),
                                     RuntimeError("lock poisoned"), PanicException("boom")])
def test_an_engine_failure_is_unavailable_naming_the_action(failure) -> None:
    with pytest.raises(SearchUnavailable, match="cannot index a project: ") as raised:
        with unavailable("index a project"):
            raise failure
    assert raised.value.__cause__ is failure


@pytest.mark.parametrize("other", [KeyError("x"), KeyboardInterrupt(),
                                   SearchUnavailable("already said")])
def test_what_is_not_an_engine_failure_passes_unchanged(other) -> None:
    with pytest.raises(type(other)) as raised:
        with unavailable("search"):
            raise other
    assert raised.value is other


def test_a_batch_writes_through_one_turn(tmp_path, monkeypatch) -> None:
    index = TantivyIndex(tmp_path)
    turns = []
    new_turn = TantivyIndex._new_turn
    monkeypatch.setattr(TantivyIndex, "_new_turn",
                        lambda self: turns.append(1) or new_turn(self))
    with index.batch():
        for number in range(3):
            assert index.index(project(f"p{number}", f"Harbour {number}"))
        index.delete("p0", 5)
    assert len(turns) == 1
    assert _total(index) == 2


def test_an_alias_naming_a_missing_folder_is_unavailable_until_a_rebuild(tmp_path) -> None:
    (tmp_path / "projects.alias").write_text("projects-gone")
    index = TantivyIndex(tmp_path)

    with pytest.raises(SearchUnavailable):
        index.search(SearchQuery())
    with pytest.raises(SearchUnavailable):
        index.index(project("p", "Harbour lights"))

    assert index.rebuild([project("p", "Harbour lights")]).previous == "projects-gone"
    assert _total(index) == 1


def test_an_index_of_an_older_layout_is_unavailable_until_a_rebuild(tmp_path) -> None:
    older = tantivy.SchemaBuilder()
    older.add_text_field("project_id", stored=True, tokenizer_name="raw")
    older.add_text_field("title_prefixes", tokenizer_name="whitespace")
    (tmp_path / "projects-older").mkdir()
    tantivy.Index(older.build(), path=str(tmp_path / "projects-older"))
    (tmp_path / "projects.alias").write_text("projects-older")
    index = TantivyIndex(tmp_path)

    with pytest.raises(SearchUnavailable, match="older layout"):
        index.suggest("harb")
    with pytest.raises(SearchUnavailable, match="older layout"):
        index.index(project("p", "Harbour lights"))

    assert index.rebuild([project("p", "Harbour lights")]).previous == "projects-older"
    assert [s.text for s in index.suggest("harb")] == ["Harbour lights"]


def test_an_alias_name_cannot_reach_outside_the_folder(tmp_path) -> None:
    with pytest.raises(ValueError):
        TantivyIndex(tmp_path, alias="../elsewhere")
