// The playground's Race link: the race page, set up from this page's setup (its hash).
const link = document.getElementById("race-link");
link?.addEventListener("click", () => (link.href = `/races/new${location.hash}`));
