"""A batch on a Dask LocalCluster of two worker processes: three tiny clients, one with broken
inputs; submitted again, the finished clients are found up to date on the workers."""
import pytest

from auditkit.batch.cluster import run_on_cluster
from auditkit.batch.engine import run_batch
from helpers import write, write_stage_notebook

pytestmark = pytest.mark.e2e  # starts a cluster and runs notebooks


def test_three_clients_on_a_local_cluster_one_broken(tiny_client, tmp_path):
    second = write(tmp_path / "params" / "second.yaml", tiny_client.read_text().replace("Tiny Trading", "Second Shop"))
    broken = write(tmp_path / "params" / "broken.yaml",
                   tiny_client.read_text().replace("Tiny Trading", "Broken Inputs").replace("../data", "../bad"))
    write(tmp_path / "bad" / "orders.csv", "order_id,client_id,date,amount\nO1,C1,not a date,1\n")
    out = tmp_path / "out"
    seen = []
    results = run_batch([tiny_client, second, broken], out, jobs=2, scheduler="local", on_done=seen.append)
    ok, other, bad = results
    assert ok.ok and other.ok, (ok.failure, other.failure)
    assert (ok.run_dir / "report.pdf").is_file() and ok.run_dir.parent == out / "tiny-trading"
    assert (other.run_dir / "report.pdf").is_file() and other.run_dir.parent == out / "second-shop"
    assert not bad.ok and "1 input error" in bad.failure and bad.params_path == broken
    assert len(seen) == 3

    again = run_on_cluster([tiny_client, second, broken], out, "local", workers=2)
    by_path = {r.params_path: r for r in again}
    assert by_path[tiny_client].up_to_date and by_path[tiny_client].run_dir == ok.run_dir
    assert by_path[second].up_to_date and not by_path[broken].ok
    assert sorted(p.name for p in (out / "tiny-trading").iterdir()) == [ok.run_dir.name, "latest"]


def test_a_client_whose_worker_dies_is_submitted_once_more(tiny_client, tmp_path):
    """The first attempt's kernel kills its worker process; the second attempt completes."""
    folder = tmp_path / "notebooks"
    write_stage_notebook(folder / "01_data_collection.ipynb",
                         "import os, pathlib, signal\n"
                         "marker = pathlib.Path(run_dir).parents[1] / 'worker-killed-once'\n"
                         "if not marker.exists():\n"
                         "    marker.touch()\n"
                         "    os.kill(os.getppid(), signal.SIGKILL)  # the kernel's parent: the Dask worker\n"
                         "(pathlib.Path(run_dir) / 'results' / 'metrics').mkdir(parents=True, exist_ok=True)")
    out = tmp_path / "out"
    [result] = run_on_cluster([tiny_client], out, "local", notebooks_dir=folder, workers=1)
    assert (out / "worker-killed-once").is_file()
    assert result.ok, result.failure
