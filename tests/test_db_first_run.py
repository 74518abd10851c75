"""Four first commands at once on a fresh database: one migrates, the others wait, all work (#17)."""

import subprocess
import sys

from tests.spiders.crawling import crawl_environment


def test_first_commands_at_once_on_a_fresh_database_all_work(tmp_path):
    for round_ in range(3):
        folder = tmp_path / f"round{round_}"
        folder.mkdir()
        env = crawl_environment(folder)
        commands = [subprocess.Popen([sys.executable, "-m", "tracker", "cases"], env=env, cwd=folder,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for _ in range(4)]
        failed = [error for command in commands
                  for _, error in [command.communicate(timeout=300)] if command.returncode != 0]
        assert failed == [], failed
