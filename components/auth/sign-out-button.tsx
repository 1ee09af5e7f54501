"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiRequest } from "@/lib/client/api-client";

export function SignOutButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);

  async function signOut() {
    setBusy(true);
    try {
      await apiRequest("/api/auth/sign-out", { method: "POST", body: {} });
    } catch {
      // An already-expired session signs out just as well; the refresh shows the signed-out header.
    } finally {
      router.push("/");
      router.refresh();
      setBusy(false);
    }
  }

  return (
    <button type="button" className="button secondary small" onClick={signOut} disabled={busy} data-testid="sign-out">
      {busy ? "Signing out…" : "Sign out"}
    </button>
  );
}
