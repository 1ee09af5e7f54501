import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { UploaderLoader } from "@/components/uploader/uploader-loader";
import { ProjectFiles } from "@/components/uploads/project-files";
import { getSessionUser } from "@/lib/auth/session";
import { getPlan } from "@/lib/plans/plans";
import { getProjectForUser } from "@/lib/projects/get-project";
import { liveChangesStart } from "@/lib/uploads/list-changes";
import { listUploads } from "@/lib/uploads/list-uploads";

export const metadata: Metadata = { title: "Project · Biblio" };

const PAGE_SIZE = 50;

export default async function ProjectPage({ params }: { params: Promise<{ projectId: string }> }) {
  const { projectId } = await params;
  const user = await getSessionUser(await headers());
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(`/projects/${projectId}`)}`);
  const project = await getProjectForUser(projectId, user.id);
  if (!project) notFound();
  const liveSince = liveChangesStart();
  const { uploads, nextCursor } = await listUploads({ userId: user.id, projectId: project.id, limit: PAGE_SIZE });

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/projects">Projects</Link>
        <span aria-hidden="true"> / </span>
      </nav>
      <h1 className="break">{project.name}</h1>

      <section aria-labelledby="upload-heading">
        <h2 id="upload-heading">Upload files</h2>
        <UploaderLoader plan={getPlan(user.plan)} projects={[{ id: project.id, name: project.name }]} fixedProjectId={project.id} />
      </section>

      <section aria-labelledby="files-heading">
        <h2 id="files-heading">Files</h2>
        <ProjectFiles projectId={project.id} uploads={uploads} nextCursor={nextCursor} liveSince={liveSince} pageSize={PAGE_SIZE} />
      </section>
    </>
  );
}
