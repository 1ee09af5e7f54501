"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { errorMessage } from "@/lib/client/api-client";
import { createProject } from "@/lib/client/uploads-api";

/** Creates a project and opens it. */
export function CreateProjectForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) {
      setError("Give the project a name.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { project } = await createProject(trimmed);
      setName("");
      router.push(`/projects/${project.id}`);
      router.refresh();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={onSubmit} noValidate data-testid="create-project-form">
      <label htmlFor="project-name">Project name</label>
      <div className="inline-form-row">
        <input
          id="project-name"
          type="text"
          value={name}
          onChange={(event) => setName(event.target.value)}
          maxLength={120}
          required
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "project-name-error" : undefined}
          data-testid="project-name"
        />
        <button type="submit" className="button" disabled={busy} data-testid="create-project">
          {busy ? "Creating…" : "Create project"}
        </button>
      </div>
      {error && (
        <p id="project-name-error" className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
