"""The docs describe the model as it is: every relationship type in docs/model.md, every bound
and cross-property rule in docs/validation.md."""
from __future__ import annotations

from graph.model import NODE_TYPES, relationship_endpoints
from tests.conftest import REPO


def test_every_relationship_type_is_in_the_model_doc():
    text = (REPO / "docs" / "model.md").read_text()
    missing = sorted({rel_type for _, rel_type, _ in relationship_endpoints() if f"`{rel_type}`" not in text})
    assert not missing, f"docs/model.md does not describe {missing}"


def test_every_rule_is_in_the_validation_doc():
    text = (REPO / "docs" / "validation.md").read_text()
    for node_type in NODE_TYPES:
        for prop in node_type.stored_props:
            if prop.minimum is not None or prop.maximum is not None:
                assert f"{node_type.name}.{prop.name}" in text, prop.name
        for names in node_type.orderings:
            assert " ≤ ".join(names) in text, names


def test_every_setting_is_documented():
    """Each setting graph/limits.py reads is in the README's table and in docs/security.md."""
    import re

    settings = set(re.findall(r'_setting\("(DANGJIAN_\w+)"', (REPO / "graph" / "limits.py").read_text()))
    assert len(settings) >= 8
    readme, security = (REPO / "README.md").read_text(), (REPO / "docs" / "security.md").read_text()
    for name in sorted(settings):
        assert f"`{name}`" in readme, name
        assert name in security, name
