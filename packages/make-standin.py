"""Rebuilds local/patched.distributedlock.core.1.0.11.nupkg from the nuspec beside this file."""
import pathlib
import zipfile

here = pathlib.Path(__file__).parent
content_types = ('<?xml version="1.0" encoding="utf-8"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="nuspec" ContentType="application/octet" /></Types>')
with zipfile.ZipFile(here / "local" / "patched.distributedlock.core.1.0.11.nupkg", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("Patched.DistributedLock.Core.nuspec", (here / "Patched.DistributedLock.Core.nuspec").read_text())
    z.writestr("[Content_Types].xml", content_types)
