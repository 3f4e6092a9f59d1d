import { Loader } from "@mantine/core";
import { type ComponentProps, lazy, Suspense } from "react";
import type { UsageChart as Chart } from "./UsageChart";

// recharts is the heaviest library the app uses: it is fetched with the first chart shown,
// never with the screens around it (the dashboard must not wait for it).
const UsageChart = lazy(() => import("./UsageChart").then((m) => ({ default: m.UsageChart })));

export function LazyUsageChart(props: ComponentProps<typeof Chart>) {
  return (
    <Suspense fallback={<Loader size="sm" />}>
      <UsageChart {...props} />
    </Suspense>
  );
}
