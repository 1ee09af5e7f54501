import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { redirect } from "next/navigation";
import { CreateProjectForm } from "@/components/uploader/create-project-form";
import { UploaderLoader } from "@/components/uploader/uploader-loader";
import { LocalTime } from "@/components/uploads/local-time";
import { getSessionUser } from "@/lib/auth/session";
import { formatBytes, getPlan } from "@/lib/plans/plans";
import { listProjectsForUser } from "@/lib/projects/list-projects";
import { getStorageUsage } from "@/lib/uploads/usage-storage";

export const metadata: Metadata = { title: "Projects · Biblio" };

export default async function ProjectsPage() {
  const user = await getSessionUser(await headers());
  if (!user) redirect(`/sign-in?next=${encodeURIComponent("/projects")}`);
  const plan = getPlan(user.plan);
  const [projects, usage] = await Promise.all([listProjectsForUser(user.id), getStorageUsage(user.id, plan)]);
  const percent = Math.min(100, Math.round((usage.usedBytes / usage.limitBytes) * 1000) / 10);

  return (
    <>
      <h1>Projects</h1>
      <p className="lead">
        Each upload belongs to a project. Your {plan.label} plan takes files up to {formatBytes(plan.maxFileSize)}.
      </p>
      <div className="usage" data-testid="storage-usage" data-used={usage.usedBytes} data-limit={usage.limitBytes}>
        <label htmlFor="storage-usage-bar">
          Storage: {formatBytes(usage.usedBytes)} of {formatBytes(usage.limitBytes)} used ({percent} %)
        </label>
        <progress id="storage-usage-bar" className="usage-bar" max={usage.limitBytes} value={Math.min(usage.usedBytes, usage.limitBytes)} />
      </div>

      <section aria-labelledby="projects-heading">
        <h2 id="projects-heading">Your projects</h2>
        {projects.length ? (
          <ul className="project-list" data-testid="project-list">
            {projects.map((project) => (
              <li key={project.id} className="project-item" data-testid="project-item" data-project-id={project.id}>
                <Link href={`/projects/${project.id}`} className="project-name">
                  {project.name}
                </Link>
                <span className="muted">
                  created <LocalTime value={project.createdAt} />
                </span>
                {project.role && project.role !== "owner" ? <span className="badge">{project.role}</span> : null}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted" data-testid="projects-empty">
            No projects yet. Create one to start uploading.
          </p>
        )}
        <div className="card new-project">
          <h3>New project</h3>
          <CreateProjectForm />
        </div>
      </section>

      {projects.length > 0 && (
        <section aria-labelledby="upload-heading">
          <h2 id="upload-heading">Upload files</h2>
          <UploaderLoader plan={plan} projects={projects.map(({ id, name }) => ({ id, name }))} />
        </section>
      )}
    </>
  );
}
