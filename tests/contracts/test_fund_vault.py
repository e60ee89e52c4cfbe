"""FundVault on a real node: NAV, dealing days, subscriptions and redemptions at the dealing NAV."""

from __future__ import annotations

from tests.contracts.fund import HKD, NAV_ONE, SHARE, Fund, fund

__all__ = ["fund"]


def test_a_subscription_deals_at_the_days_nav_and_is_claimed(fund: Fund) -> None:
    day = fund.today()
    cash_before = fund.cash(fund.cash_account)
    fund.subscribe(fund.alice, 10_000 * HKD)
    assert fund.vault.functions.pendingDepositRequest(0, fund.alice.address).call() == 10_000 * HKD
    receipt = fund.settle(day, nav=10 * NAV_ONE + NAV_ONE // 100)  # 10.01
    settled = fund.events(fund.vault, "DealingDaySettled", receipt)[0]
    assert settled["depositAssets"] == 10_000 * HKD and settled["depositFees"] == 50 * HKD
    assert fund.vault.functions.pendingDepositRequest(0, fund.alice.address).call() == 0
    assert fund.vault.functions.claimableDepositRequest(0, fund.alice.address).call() == 10_000 * HKD
    fund.send(fund.alice, fund.vault.functions.deposit(10_000 * HKD, fund.alice.address, fund.alice.address))
    # 9,950 HKD net at 10.01 a share: 994.0059... shares, rounded down to the fund's 4 decimals
    assert fund.shares(fund.alice) == 9_940_059
    assert fund.cash(fund.cash_account) - cash_before == 9_950 * HKD
    assert fund.cash(fund.fee_account) == 50 * HKD
    # a redemption of 100 shares at 10.01: 1,001 HKD less 25 bps
    day = fund.today()
    fund.redeem_request(fund.alice, 100 * SHARE)
    fund.settle(day, nav=10 * NAV_ONE + NAV_ONE // 100)
    before = fund.cash(fund.alice)
    fund.send(fund.alice, fund.vault.functions.redeem(100 * SHARE, fund.alice.address, fund.alice.address))
    fee = (1_001 * HKD * 25 + 9_999) // 10_000
    assert fund.cash(fund.alice) - before == 1_001 * HKD - fee
