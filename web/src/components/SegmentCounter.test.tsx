import { MantineProvider } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import type { Schemas } from "../api/client";
import i18n from "../i18n";
import { SegmentCounter } from "./SegmentCounter";

const cyrillic: Schemas["QuotedMessage"] = {
  index: 0,
  to: "+79161234567",
  text: "Привет",
  characters: 86,
  encoding: "ucs2",
  segments: 2,
  price: "0.10",
  price_per_part: "0.05",
  currency: "EUR",
  replaced: [],
  ucs2_characters: ["П", "р"],
};

function renderCounter(
  quote: Schemas["QuotedMessage"],
  onTransliterate = () => {},
  canTransliterate = false,
) {
  return render(
    <MantineProvider>
      <SegmentCounter
        quote={quote}
        canTransliterate={canTransliterate}
        onTransliterate={onTransliterate}
      />
    </MantineProvider>,
  );
}

describe("SegmentCounter", () => {
  it("shows characters, encoding, segments and price of the quote", async () => {
    await i18n.changeLanguage("en");
    renderCounter(cyrillic);
    expect(screen.getByText("86 characters · UCS2 · 2 segment(s)")).toBeInTheDocument();
    expect(screen.getByText("2 segments")).toBeInTheDocument();
    expect(screen.getByText("Price: 0.10 EUR")).toBeInTheDocument();
    expect(screen.getAllByTestId("ucs2-character").map((b) => b.textContent)).toEqual(["П", "р"]);
  });

  it("offers the replacement of look-alikes only when there are some", async () => {
    const onTransliterate = vi.fn();
    renderCounter(cyrillic, onTransliterate);
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    renderCounter({ ...cyrillic, ucs2_characters: ["“", "”"] }, onTransliterate, true);
    await userEvent.click(screen.getByRole("button", { name: /Replace look-alikes/ }));
    expect(onTransliterate).toHaveBeenCalledOnce();
  });

  it("says when the destination has no price, in Russian too", async () => {
    await i18n.changeLanguage("ru");
    renderCounter({ ...cyrillic, price: null, ucs2_characters: [], encoding: "gsm7", segments: 5 });
    expect(screen.getByText("Для этого направления нет цены")).toBeInTheDocument();
    expect(screen.getByText("5 частей")).toBeInTheDocument();
    expect(screen.queryByRole("button")).not.toBeInTheDocument();
    await i18n.changeLanguage("en");
  });
});
