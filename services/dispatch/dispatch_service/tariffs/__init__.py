"""Which destinations an account's tariff prices, as billing publishes them
(`tariff.published`): intake refuses the others with 422 `no_tariff`."""
