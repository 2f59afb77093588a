"""What the functions print reaches their log unchanged and, line by line, the reader."""
import os

from portrait_local.runtime import OutputTee


def test_lines_go_to_the_log_and_the_reader(tmp_path):
    seen = []
    with open(tmp_path / "f.log", "a", encoding="utf-8") as log:
        tee = OutputTee("ResizeFunction", log, lambda fid, line: seen.append((fid, line)))
        os.write(tee.write_fd, b'{"_aws": 1}\nhalf a line \xc3')
        os.write(tee.write_fd, b"\xa9\nREPORT\n")
        tee.close()
    assert (tmp_path / "f.log").read_text(encoding="utf-8") == '{"_aws": 1}\nhalf a line é\nREPORT\n'
    assert seen == [("ResizeFunction", '{"_aws": 1}'), ("ResizeFunction", "half a line é"),
                    ("ResizeFunction", "REPORT")]


def test_a_failing_reader_does_not_stop_the_log(tmp_path, capsys):
    def broken(fid, line):
        raise RuntimeError("bug")

    with open(tmp_path / "f.log", "a", encoding="utf-8") as log:
        tee = OutputTee("F", log, broken)
        os.write(tee.write_fd, b"one\ntwo\n")
        tee.close()
    assert (tmp_path / "f.log").read_text() == "one\ntwo\n"
    assert "bug" in capsys.readouterr().err
