package dev.mycel.train.autograd;

import dev.mycel.tensor.ThreadPool;

/**
 * A pool of the calling thread alone, for matrix products inside work that is already spread
 * over the step's pool (an attention unit, an image, an example): a one-thread pool creates no
 * thread and runs each dispatch in place.
 */
final class CallingThread {
    static final ThreadPool POOL = new ThreadPool(1);

    private CallingThread() {
    }
}
