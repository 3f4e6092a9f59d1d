import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { TemplateEditor } from "./TemplateEditor";

// Mantine's autosizing Textarea listens for web fonts loading; jsdom has no document.fonts.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: () => {}, removeEventListener: () => {} },
  });
}

const type = (field: HTMLElement, value: string) => fireEvent.change(field, { target: { value } });

function renderEditor() {
  return render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <TemplateEditor template={null} opened onClose={() => {}} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

// A Mantine modal's first render is slow on a busy machine; the time limit is no assertion.
describe("TemplateEditor", { timeout: 30_000 }, () => {
  it("lists the placeholders as they are typed and previews the text with sample values", () => {
    renderEditor();
    type(screen.getByLabelText(/^Text/), "Hi {{first_name}}, order {{order}} shipped");
    expect(screen.getAllByTestId("placeholder").map((badge) => badge.textContent)).toEqual([
      "first_name",
      "order",
    ]);
    type(screen.getByLabelText("Sample value for first_name"), "Ann");
    expect(screen.getByTestId("template-preview")).toHaveTextContent(
      "Hi Ann, order {{order}} shipped",
    );
  });

  it("warns about a placeholder the server would refuse", () => {
    renderEditor();
    type(screen.getByLabelText(/^Text/), "Hi {{ Name }}");
    expect(screen.getByText(/Not valid placeholders/)).toHaveTextContent("Name");
  });
});
