//! Desktop figures, beside a hello-world Tauri 2 window built the same way: start to first
//! paint, idle memory of every process (the app's and WebKit's), and Connect-click-to-Connected
//! against the built-in, auto-approving sandbox. Needs an X display (Xvfb), xdotool and
//! ImageMagick's `import`.

use std::path::{Path, PathBuf};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tributary_e2e::{browser_program, AppSession, Browser};

use crate::median;

struct Launch {
    mapped: Duration,
    painted: Duration,
    rss_kib: u64,
    pss_kib: u64,
    processes: usize,
}

/// Starts `binary`, times its window's mapping and first paint, measures memory after
/// `settle`, and stops it. `library`: a data folder to start on (kept), instead of a new one.
fn launch_once(binary: &Path, title: &str, settle: Duration, library: Option<&Path>) -> Launch {
    let fresh = std::env::temp_dir().join(format!("tributary-bench-{}", std::process::id()));
    let data_home = library.map_or(fresh, Path::to_path_buf);
    let start = Instant::now();
    let mut child = Command::new(binary)
        .env("XDG_DATA_HOME", &data_home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let pid = child.id();
    let window = loop {
        let out = Command::new("xdotool").args(["search", "--onlyvisible", "--pid", &pid.to_string(), "--name", &format!("^{title}$")]).output().expect("xdotool");
        if let Some(id) = String::from_utf8_lossy(&out.stdout).lines().next().map(str::to_string) {
            break id;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{} never mapped a window", binary.display());
        std::thread::sleep(Duration::from_millis(5));
    };
    let mapped = start.elapsed();
    // Painted: the window holds more than a blank page's few colours (text is anti-aliased).
    loop {
        let out = Command::new("import").args(["-window", &window, "-format", "%k", "info:"]).output().expect("ImageMagick import");
        let colours: u64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
        if colours > 16 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{} never painted", binary.display());
    }
    let painted = start.elapsed();
    std::thread::sleep(settle);
    let tree = process_tree(pid);
    let rss_kib = tree.iter().map(|p| status_kib(*p, "/status", "VmRSS:")).sum();
    let pss_kib = tree.iter().map(|p| status_kib(*p, "/smaps_rollup", "Pss:")).sum();
    let _ = Command::new("kill").args(["-TERM", "--", &format!("-{pid}")]).status();
    let _ = child.wait();
    // Let the bus see the app go (its single-instance name), or the next launch would hand its
    // arguments to this one and exit without a window.
    std::thread::sleep(Duration::from_millis(500));
    if library.is_none() {
        let _ = std::fs::remove_dir_all(&data_home);
    }
    Launch { mapped, painted, rss_kib, pss_kib, processes: tree.len() }
}

/// `root` and every process descending from it.
fn process_tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let ppid = stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    tree
}

fn status_kib(pid: u32, file: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}{file}"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// The smallest and largest of `v`.
fn spread(v: &[f64]) -> (f64, f64) {
    (v.iter().cloned().fold(f64::INFINITY, f64::min), v.iter().cloned().fold(0.0, f64::max))
}

fn report(name: &str, runs: &[Launch]) {
    let ms = |f: fn(&Launch) -> Duration| median(&mut runs.iter().map(|l| f(l).as_secs_f64() * 1000.0).collect::<Vec<_>>());
    let mib = |f: fn(&Launch) -> u64| median(&mut runs.iter().map(|l| f(l) as f64 / 1024.0).collect::<Vec<_>>());
    println!(
        "{name:<16} window mapped {:>6.0} ms | first paint {:>6.0} ms (first run {:>5.0} ms) | idle RSS {:>5.0} MiB, PSS {:>5.0} MiB over {} processes",
        ms(|l| l.mapped),
        ms(|l| l.painted),
        runs[0].painted.as_secs_f64() * 1000.0,
        mib(|l| l.rss_kib),
        mib(|l| l.pss_kib),
        runs[0].processes
    );
}

/// Median Connect-click-to-Connected, through the real window (WebDriver) and the loopback.
async fn connect_times(app: &Path, runs: usize) -> Vec<f64> {
    std::env::set_var("TRIBUTARY_APP", app);
    let browser = browser_program(Browser::Approve);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string();
    let session = AppSession::launch(&[("BROWSER", &browser.0.display().to_string()), ("TRIBUTARY_REDIRECT_PORT", &port)]).await;
    session.by_test_id("integration-select").await.click().await.unwrap();
    session.by_test_id("integration-option-notion").await.click().await.unwrap();
    let mut times = Vec::new();
    for _ in 0..runs {
        let button = session.by_test_id("connect-button").await;
        let start = Instant::now();
        button.click().await.unwrap();
        session.wait_for_text("connect-button", |t| t == "Connected to Notion", "error-alert").await;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        session.by_test_id("disconnect-button").await.click().await.unwrap();
        session.wait_for_text("connect-button", |t| t == "Connect to Notion", "error-alert").await;
    }
    session.close().await;
    times
}

/// A data folder whose library holds `items` per provider (three connections), loaded from
/// the sandbox and kept as the app keeps a load; and some of the items' names, to search for.
/// In `kept`, when given: built there once (with the names beside it) and reused after.
async fn library_of(items: usize, kept: Option<&Path>) -> (PathBuf, Vec<String>) {
    use tributary_core::load::Cancel;
    let data_home = kept.map_or_else(|| std::env::temp_dir().join(format!("tributary-bench-library-{}", std::process::id())), Path::to_path_buf);
    let names_file = data_home.join("bench-names.json");
    if let Some(names) = std::fs::read(&names_file).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
        return (data_home, names);
    }
    let sandbox = crate::SandboxProcess::start(&[items; 3], false);
    let mut settings = sandbox.settings();
    settings.data_dir = data_home.join("dev.tributary.app");
    let core = tributary_core::Core::with_store(settings, tributary_core::store::Store::open(None).await.unwrap()).unwrap();
    let mut names = Vec::new();
    for p in tributary_core::ProviderId::ALL {
        let key = crate::connect(&core, p).await;
        let loaded = std::sync::Arc::new(core.load(&key, crate::unpaced(), None, Cancel::new()).await.unwrap());
        names.extend(loaded.items.iter().step_by(loaded.items.len() / 8 + 1).filter(|i| !i.name.is_empty()).map(|i| i.name.clone()));
        core.keep(&key, &loaded).await;
    }
    if kept.is_some() {
        std::fs::write(&names_file, serde_json::to_vec(&names).unwrap()).expect("the names beside the kept library");
    }
    (data_home, names)
}

/// In the page, per launch on `library` (through WebDriver): its first paint and the moment the
/// library's first rows were on screen (the frame after they were in the document), both from
/// the start of the page's navigation.
async fn first_rows_in_page(app: &Path, library: &Path, runs: usize) -> (Vec<f64>, Vec<f64>) {
    std::env::set_var("TRIBUTARY_APP", app);
    let (mut painted, mut rows) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let session = AppSession::launch(&[("XDG_DATA_HOME", &library.display().to_string())]).await;
        session.by_test_id("library-row").await;
        let times = r#"
            const done = arguments[0];
            (function poll() {
              const shown = performance.getEntriesByName('library-first-answer-shown')[0];
              const paint = performance.getEntriesByName('first-contentful-paint')[0];
              if (shown && paint) return done([paint.startTime, shown.startTime]);
              setTimeout(poll, 20);
            })();"#;
        let answer = session.client.execute_async(times, vec![]).await.expect("the page's timings");
        painted.push(answer[0].as_f64().unwrap_or(-1.0));
        rows.push(answer[1].as_f64().unwrap_or(-1.0));
        session.close().await;
    }
    (painted, rows)
}

/// In the real window on `library`: a typed query to its rows shown (the library answers
/// searches, sorts and pages; the web view holds only the rows in view), and a click on a
/// column header to the rows in their new order. Timed in the page, from the input event (or
/// the click) to the frame after the new rows are in the document.
async fn search_times(app: &Path, library: &Path, names: &[String]) -> (Vec<f64>, Vec<f64>) {
    std::env::set_var("TRIBUTARY_APP", app);
    let session = AppSession::launch(&[("XDG_DATA_HOME", &library.display().to_string())]).await;
    session.by_test_id("library-row").await;
    let typed = r#"
        const [query, done] = arguments;
        const input = document.querySelector('[data-testid="library-search"]');
        const count = () => document.querySelector('[data-testid="library-count"]')?.textContent;
        const before = count();
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
        const t0 = performance.now();
        setValue.call(input, query);
        input.dispatchEvent(new Event('input', { bubbles: true }));
        (function poll() {
          const table = document.querySelector('[data-testid="library-table"]');
          if (count() !== before && table?.dataset.answered === query && table.querySelector('[data-testid="library-row"]')) {
            const asked = performance.getEntriesByName('library-rows').pop();
            return requestAnimationFrame(() => done([performance.now() - t0, asked ? asked.duration : -1]));
          }
          if (performance.now() - t0 > 10000) return done([-1, -1]);
          requestAnimationFrame(poll);
        })();"#;
    let sorted = r#"
        const [column, done] = arguments;
        const first = () => document.querySelector('[data-testid="library-row"]')?.dataset.itemId;
        const before = first();
        const t0 = performance.now();
        document.querySelector(`[data-testid="library-sort-${column}"]`).click();
        (function poll() {
          const now = first();
          if (now !== undefined && now !== before) return requestAnimationFrame(() => done(performance.now() - t0));
          if (performance.now() - t0 > 10000) return done(-1);
          requestAnimationFrame(poll);
        })();"#;
    let (mut searches, mut trips) = (Vec::new(), Vec::new());
    for (i, name) in names.iter().cycle().take(24).enumerate() {
        // A word of a name, and every other time a prefix of it, as a person types.
        let word = name.split_whitespace().next().unwrap_or(name);
        let query = if i % 2 == 0 { word.to_string() } else { word.chars().take(3.max(word.len() / 2)).collect() };
        // From an empty search each time, so every query is a new one.
        session.client.execute_async(typed, vec![serde_json::json!("")]).await.ok();
        let answer = session.client.execute_async(typed, vec![serde_json::json!(query)]).await.expect("the search ran");
        let (ms, trip) = (answer[0].as_f64().unwrap_or(-1.0), answer[1].as_f64().unwrap_or(-1.0));
        if ms >= 0.0 {
            searches.push(ms);
        }
        if trip >= 0.0 {
            trips.push(trip);
        }
    }
    println!("with library     of which the library_rows command's round trip: median {:.0} ms over {}", median(&mut trips), trips.len());
    session.client.execute_async(typed, vec![serde_json::json!("")]).await.ok();
    let mut sorts = Vec::new();
    for column in ["name", "name", "modified", "modified", "created", "created", "parent", "kind"].iter().cycle().take(16) {
        let ms = session.client.execute_async(sorted, vec![serde_json::json!(column)]).await.expect("the sort ran").as_f64().unwrap_or(-1.0);
        if ms >= 0.0 {
            sorts.push(ms);
        }
    }
    session.close().await;
    (searches, sorts)
}

pub async fn bench_window(app: PathBuf, hello: PathBuf, runs: usize, library_items: usize, keep_library: Option<PathBuf>) {
    assert!(std::env::var_os("DISPLAY").is_some(), "needs an X display (Xvfb)");
    println!("start-up and idle memory, {runs} launches each (median), memory 3 s after first paint:");
    let settle = Duration::from_secs(3);
    let hello_runs: Vec<Launch> = (0..runs).map(|_| launch_once(&hello, "Hello", settle, None)).collect();
    report("hello-world", &hello_runs);
    let app_runs: Vec<Launch> = (0..runs).map(|_| launch_once(&app, "Tributary", settle, None)).collect();
    report("tributary", &app_runs);
    if library_items > 0 {
        let (library, names) = library_of(library_items, keep_library.as_deref()).await;
        let size = std::fs::metadata(library.join("dev.tributary.app/library.sqlite3")).map(|m| m.len()).unwrap_or(0);
        println!("(a library of {} items across three connections, {:.0} MB; the window opens on its first page of rows)", library_items * 3, size as f64 / 1e6);
        let with_library: Vec<Launch> = (0..runs).map(|_| launch_once(&app, "Tributary", settle, Some(&library))).collect();
        report("with library", &with_library);
        let (mut painted, mut rows) = first_rows_in_page(&app, &library, runs).await;
        let (painted, rows) = (median(&mut painted), median(&mut rows));
        let external = median(&mut with_library.iter().map(|l| l.painted.as_secs_f64() * 1000.0).collect::<Vec<_>>());
        println!(
            "with library     in the page, from its navigation: first paint {painted:.0} ms, the library's first rows on screen {rows:.0} ms; launch to items shown {:.0} ms (the first paint above and the {:.0} ms between)",
            external + (rows - painted).max(0.0),
            (rows - painted).max(0.0)
        );
        let (mut searches, mut sorts) = search_times(&app, &library, &names).await;
        let ((s_min, s_max), (o_min, o_max)) = (spread(&searches), spread(&sorts));
        println!(
            "with library     typed query to rows shown: median {:.0} ms (min {s_min:.0}, max {s_max:.0}, {} queries) | column click to rows re-sorted: median {:.0} ms (min {o_min:.0}, max {o_max:.0}, {} clicks)",
            median(&mut searches),
            searches.len(),
            median(&mut sorts),
            sorts.len()
        );
        if keep_library.is_none() {
            let _ = std::fs::remove_dir_all(&library);
        }
    }
    let mut connect = connect_times(&app, runs).await;
    let (c_min, c_max) = spread(&connect);
    println!(
        "tributary        Connect click to Connected (Notion, built-in sandbox, loopback, approving browser): median {:.0} ms, min {c_min:.0} ms, max {c_max:.0} ms over {runs}",
        median(&mut connect)
    );
}
