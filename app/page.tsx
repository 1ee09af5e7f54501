const PILLARS = [
  {
    title: "Straight to storage",
    text: "Files go from the browser to S3-compatible storage with presigned multipart uploads. They resume after a reload and never pass through our servers.",
  },
  {
    title: "Exactly one job",
    text: "Every finished file becomes one signed QStash job carrying its full context: user, project, plan and analysis options.",
  },
  {
    title: "Nothing lost",
    text: "The explicit /complete call is the fast path, storage events are the safety net, and a scheduled sweep is the backstop.",
  },
  {
    title: "Steerable",
    text: "Admins see every upload, job, sweep and trigger source, and can replay, expire or clean up without a database shell.",
  },
];

export default function HomePage() {
  return (
    <>
      <h1>Biblio takes huge uploads and turns each into exactly one job.</h1>
      <p className="lead">
        Drop a 20 GB video into the page. It lands in your bucket directly, and a worker learns of it with everything it needs to start — never twice, and never
        not at all.
      </p>
      <section aria-labelledby="how">
        <h2 id="how">How it works</h2>
        <div className="grid">
          {PILLARS.map((p) => (
            <article className="card" key={p.title}>
              <h3>{p.title}</h3>
              <p>{p.text}</p>
            </article>
          ))}
        </div>
      </section>
    </>
  );
}
