import { Loader } from "@mantine/core";
import type { QRCodeSVG } from "qrcode.react";
import { type ComponentProps, lazy, Suspense } from "react";

// The QR code library is needed once, by whoever turns two-factor login on: fetched then.
const QRCode = lazy(() => import("qrcode.react").then((m) => ({ default: m.QRCodeSVG })));

export function LazyQRCode(props: ComponentProps<typeof QRCodeSVG>) {
  return (
    <Suspense fallback={<Loader size="sm" />}>
      <QRCode {...props} />
    </Suspense>
  );
}
