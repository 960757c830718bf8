"""The model core's structure: the year as a flat list of events, the budget planned in the
government's own step, one cost rule per catalogue entry, the firm arrays from one declaration, the
tax rate read from the certificates as they are.
"""

from __future__ import annotations

import ast
import inspect
import textwrap

import numpy as np
import pytest

from ecosim.data import load_region
from ecosim.levers import LEVERS, OUTLAY_LEVERS
from ecosim.model import EcosystemModel, resolve
from ecosim.model.enterprises import CORPORATE_INCOME_TAX_RATE, FIRM_ARRAYS, Enterprises, YearPolicy
from ecosim.model.government import COST_RULES, FIRM_COST_RULES, PROGRAMME_COST_RULES
from ecosim.scenario import load_scenario


def test_the_year_is_a_flat_list_of_events():
    """``step`` holds no branches and no rules: only calls of events (methods without arguments) and
    the year's count."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(EcosystemModel.step)))
    body = tree.body[0].body[1:]  # after the docstring
    for statement in body:
        if isinstance(statement, ast.AugAssign):
            assert ast.unparse(statement) == "self.t += 1"
            continue
        assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call), ast.unparse(statement)
        call = statement.value
        assert not call.args and not call.keywords, ast.unparse(statement)
        assert ast.unparse(call.func).startswith("self."), ast.unparse(statement)


def test_every_catalogue_cost_has_one_rule():
    catalogued = {(name, kind) for name, lever in LEVERS.items() for kind in lever.cost_kinds}
    assert set(COST_RULES) == catalogued
    assert not set(FIRM_COST_RULES) & set(PROGRAMME_COST_RULES)
    for (name, kind), rule in COST_RULES.items():
        assert rule.__name__ in (name, f"{name}_{kind}")  # named after the catalogue entry
        assert rule.__doc__


def test_the_government_plans_each_year_in_its_own_step():
    """Before a year is planned an outlay lever reads its schedule; the government's step (the first
    event of the year) funds it, and the rest of the year reads the funded value."""
    model = EcosystemModel(resolve(load_scenario("guiding-opinions")), 1)
    gov = model.government
    model.step()
    scheduled = {name: float(gov.schedule[name][1]) for name in OUTLAY_LEVERS}
    assert {name: gov.lever(name, 1) for name in OUTLAY_LEVERS} == scheduled
    gov.step()  # year 1: this mix asks for more than the budget's headroom
    assert gov.planned == 2 and gov.binding(1)
    assert any(gov.lever(name, 1) < scheduled[name] for name in OUTLAY_LEVERS)
    assert all(gov.lever(name, 1) == float(gov.funded[name][1]) for name in OUTLAY_LEVERS)
    with pytest.raises(ValueError, match="out of order"):
        gov.plan(1)


def test_firm_arrays_are_allocated_and_enlarged_from_their_declaration():
    firms = Enterprises(capacity=3, region=load_region())
    for name, spec in FIRM_ARRAYS.items():
        array = getattr(firms, name)
        assert array.shape == (3,) and array.dtype == np.dtype(spec.dtype)
        assert (array == spec.empty).all()
    firms.alive[1] = True
    firms.revenue[1] = 42.0
    firms.hte_until[1] = 2022
    firms._enlarge(5)
    for name, spec in FIRM_ARRAYS.items():
        array = getattr(firms, name)
        assert array.size == 8 and array.dtype == np.dtype(spec.dtype)
        assert (array[3:] == spec.empty).all()
    assert firms.alive[1] and firms.revenue[1] == 42.0 and firms.hte_until[1] == 2022
    firms.clear(np.array([1]))
    assert firms.revenue[1] == 0.0 and firms.hte_until[1] == -1  # turnover frees the slot itself (alive)


def test_the_tax_rate_follows_the_certificates_as_they_are():
    """No cache to keep in step: a certificate written into ``hte_until`` changes the rate at once."""
    firms = Enterprises(capacity=3, region=load_region())
    policy = YearPolicy(super_deduction=0.75, super_deduction_manufacturing=1.0, hte_tax_rate=0.15,
                        reward_rate=0.0, full_coverage=0.0, soe_floor=0.0, cultivation_firms=0, smart_factories=0)
    np.testing.assert_array_equal(firms.tax_rate(policy, 2021), [CORPORATE_INCOME_TAX_RATE] * 3)
    firms.hte_until[[0, 2]] = [2021, 2020]
    np.testing.assert_array_equal(firms.tax_rate(policy, 2021), [0.15, CORPORATE_INCOME_TAX_RATE,
                                                                 CORPORATE_INCOME_TAX_RATE])
    np.testing.assert_array_equal(firms.tax_rate(policy, 2020), [0.15, CORPORATE_INCOME_TAX_RATE, 0.15])
