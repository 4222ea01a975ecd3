"""Debian's stock 6.12 kernel: modules (closure from libkmod) in the image,
regions through sysfs, devdax through daxctl, same checks as the lab kernel."""
from conftest import ROOT


def test_boot_and_devdax_on_stock_kernel(famlab):
    r = famlab("run", "--kernel", "stock", ROOT / "scenarios/boot-and-devdax.toml", timeout=1500)
    assert r.code == 0, r
    sc = r.scenario("boot-and-devdax", "stock")
    assert sc["status"] == "passed"
    assert "deb12" in sc["kernel_release"] or "bpo" in sc["kernel_release"] or "amd64" in sc["kernel_release"]
    assert all(s["status"] == "passed" for s in sc["steps"])
