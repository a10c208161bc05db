fn main() {
    guestlist::start();
}
