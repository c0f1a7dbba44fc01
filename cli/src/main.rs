fn main() {
    println!("secctx {}", secctx::VERSION);
}
